"""Portal account forms: sign-up, confirmation, forgotten password, reset, profile, password change."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, FieldList, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from helpdesk.auth.security import MIN_PASSWORD_LENGTH

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]


def _email_field(label=None):
    return EmailField(label or _l("Adresse e-mail"), validators=[
        DataRequired(message=_l("Indiquez votre adresse e-mail.")),
        Email(message=_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False),
        Length(max=254),
    ])


def _new_password_field(label=None):
    return PasswordField(label or _l("Mot de passe"), validators=[
        DataRequired(message=_l("Choisissez un mot de passe.")),
        Length(min=MIN_PASSWORD_LENGTH, max=1024,
               message=_l("Le mot de passe doit faire au moins %(min)d caractères.", min=MIN_PASSWORD_LENGTH)),
    ], description=_l("Au moins %(min)d caractères.", min=MIN_PASSWORD_LENGTH))


class _ConfirmedPassword:
    """`password_confirm` must repeat `password`. A client that follows the API contract's field list
    (`password` only, no confirmation field at all) is not asked for it; a browser always sends it."""

    def validate_password_confirm(self, field):
        if not field.raw_data:
            return
        if field.data != self.password.data:
            raise ValidationError(_l("Les deux mots de passe ne sont pas identiques."))


class SignupForm(_ConfirmedPassword, FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(message=_l("Indiquez votre nom.")), Length(max=200)])
    email = _email_field()
    password = _new_password_field()
    password_confirm = PasswordField(_l("Confirmez le mot de passe"))
    locale = SelectField(_l("Langue"), choices=LANGUAGE_CHOICES, default="fr")
    consent_surveys = BooleanField(_l("J'accepte de recevoir des questionnaires de satisfaction"), default=False)
    consent_marketing = BooleanField(_l("J'accepte de recevoir des offres commerciales"), default=False)


class ConfirmEmailForm(FlaskForm):
    consent_surveys = BooleanField(_l("J'accepte de recevoir des questionnaires de satisfaction"))
    consent_marketing = BooleanField(_l("J'accepte de recevoir des offres commerciales"))


class EmailOnlyForm(FlaskForm):
    """"Forgot my password" and "send the confirmation link again"."""

    email = _email_field()


class ResetPasswordForm(_ConfirmedPassword, FlaskForm):
    password = _new_password_field(_l("Nouveau mot de passe"))
    password_confirm = PasswordField(_l("Confirmez le nouveau mot de passe"))


class ChangePasswordForm(_ConfirmedPassword, FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[
        DataRequired(message=_l("Indiquez votre mot de passe actuel.")), Length(max=1024)])
    password = _new_password_field(_l("Nouveau mot de passe"))
    password_confirm = PasswordField(_l("Confirmez le nouveau mot de passe"))


CHANNEL_CHOICES = [("", _l("Pas de préférence")), ("email", _l("E-mail")), ("phone", _l("Téléphone")),
                   ("portal", _l("Espace client"))]


class ProfileForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(message=_l("Indiquez votre nom.")), Length(max=200)])
    phones = FieldList(TelField(_l("Téléphone"), validators=[Optional(), Length(max=40)]), min_entries=1, max_entries=6)
    locale = SelectField(_l("Langue"), choices=LANGUAGE_CHOICES)
    preferred_channel = SelectField(_l("Comment préférez-vous être contacté ?"), choices=CHANNEL_CHOICES)
    consent_email = BooleanField(_l("J'accepte d'être contacté par e-mail au sujet de mes demandes"))
    consent_sms = BooleanField(_l("J'accepte de recevoir des SMS"))
    consent_surveys = BooleanField(_l("J'accepte de recevoir des questionnaires de satisfaction"))
    consent_marketing = BooleanField(_l("J'accepte de recevoir des offres commerciales"))
