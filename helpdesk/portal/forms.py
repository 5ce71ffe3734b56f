"""Portal forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class RequestForm(FlaskForm):
    # Choices are the customer's own products plus "" (other); the service checks ownership.
    product_id = RadioField(_l("Produit concerné"), choices=[], validate_choice=False, default="")
    subject = StringField(_l("Sujet"), validators=[DataRequired(_l("Indiquez le sujet de votre demande.")),
                                                   Length(max=300)])
    body = TextAreaField(_l("Décrivez votre demande"),
                         validators=[DataRequired(_l("Décrivez votre demande.")), Length(max=100_000)])
    attachments = MultipleFileField(_l("Pièces jointes (facultatif)"))


class PortalReplyForm(FlaskForm):
    body = TextAreaField(_l("Votre réponse"), validators=[DataRequired(_l("Écrivez votre réponse.")),
                                                          Length(max=100_000)])
    attachments = MultipleFileField(_l("Pièces jointes (facultatif)"))
