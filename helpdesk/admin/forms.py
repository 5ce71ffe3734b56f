"""Admin forms (Flask-WTF, CSRF on). The rules are the services' (their error codes are worded by
helpdesk.wording); the forms carry what was typed back to the page when something is refused."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.wording import field_problems


class ProductForm(FlaskForm):
    sku = StringField(_l("Référence (SKU)"), description=_l("Unique ; enregistrée en majuscules."))
    name = StringField(_l("Nom"))
    family = StringField(_l("Famille"), description=_l("Par exemple : Box, Décodeur, Mobile."))
    warranty_months = IntegerField(_l("Garantie (mois)"), default=24, validators=[
        Optional(), NumberRange(min=0, max=240, message=_l("Entre 0 et 240 mois."))],
        description=_l("La fin de garantie d'un produit client enregistré avec sa date d'achat."))
    active = BooleanField(_l("Proposé aux clients"), default=True)

    def values(self) -> dict:
        data = {"sku": self.sku.data or "", "name": self.name.data or "", "family": self.family.data or None,
                "active": bool(self.active.data)}
        if self.warranty_months.data is not None:
            data["warranty_months"] = self.warranty_months.data
        return data


class TagRenameForm(FlaskForm):
    """A tag's new name (one of the tags page's rows); onto an existing name, the tag merges into it."""
    name = StringField(_l("Nouveau nom"))


class TagDeleteForm(FlaskForm):
    """Deleting a tag: nothing but the page's CSRF token."""


class ProductImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired(message=_l("Choisissez un fichier CSV."))],
                     description=_l("Une ligne d'en-tête : sku, name (ou référence, nom), et au choix family, "
                                    "warranty_months, active. Virgule ou point-virgule ; 5 Mo au plus."))


def _role_choices():
    return [("agent", _l("Agent")), ("lead", _l("Responsable d'équipe")), ("admin", _l("Administrateur"))]


class _TeamsField(SelectMultipleField):
    """Teams as checkboxes (choices set by the view)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=int, **kwargs)


class PersonForm(FlaskForm):
    name = StringField(_l("Nom"))
    role = SelectField(_l("Rôle"), choices=_role_choices(),
                       description=_l("Passer à un rôle plus bas ferme ses sessions, jetons et connexions."))
    team_ids = _TeamsField(_l("Équipes"))
    extension = StringField(_l("Poste téléphonique"), description=_l("Le numéro interne que le standard appelle."))

    def values(self) -> dict:
        return {"name": self.name.data or "", "role": self.role.data, "team_ids": list(self.team_ids.data or []),
                "extension": self.extension.data or None}


class NewPersonForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"))
    name = StringField(_l("Nom"))
    role = SelectField(_l("Rôle"), choices=_role_choices())
    team_ids = _TeamsField(_l("Équipes"))
    locale = SelectField(_l("Langue"), choices=[("fr", "Français"), ("en", "English")])
    password = PasswordField(_l("Mot de passe (facultatif)"),
                             description=_l("Laissé vide, la personne reçoit par e-mail un lien pour choisir le sien."))

    def values(self) -> dict:
        return {"email": self.email.data or "", "name": self.name.data or None, "role": self.role.data,
                "team_ids": list(self.team_ids.data or []), "locale": self.locale.data,
                "password": self.password.data or None}


class _Ids(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=int, **kwargs)


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class TeamForm(FlaskForm):
    name = StringField(_l("Nom de l'équipe"))
    calendar_id = SelectField(_l("Calendrier ouvré"), coerce=_optional_id,
                              description=_l("Les délais SLA de l'équipe se comptent sur ces horaires."))
    default_sla_policy_id = SelectField(_l("Politique SLA par défaut"), coerce=_optional_id,
                                        description=_l("Appliquée quand aucune politique plus précise ne correspond."))
    auto_assign = BooleanField(_l("Attribution automatique"),
                               description=_l("Les nouveaux tickets sans agent vont à tour de rôle aux agents disponibles."))
    member_ids = _Ids(_l("Membres"))

    def values(self) -> dict:
        return {"name": self.name.data or "", "calendar_id": self.calendar_id.data,
                "default_sla_policy_id": self.default_sla_policy_id.data, "auto_assign": bool(self.auto_assign.data),
                "member_ids": list(self.member_ids.data or [])}


def save(form: FlaskForm, change):
    """Run `change()` (one service call), then commit: (True, its result). A refused change (400 or
    409) is rolled back and each field's code is worded next to its field (a code for no field of
    the form goes next to the first one): (False, None). Any other error propagates."""
    from helpdesk.errors import DomainError
    from helpdesk.extensions import db

    try:
        result = change()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status not in (400, 409):
            raise
        first = next(iter(form))
        for name, words in field_problems(error).items():
            field = getattr(form, name, None) or (form.name if hasattr(form, "name") else first)
            field.errors = list(field.errors or []) + [words]
        return False, None
    return True, result
