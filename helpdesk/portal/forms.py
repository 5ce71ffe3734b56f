"""Portal forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class RequestForm(FlaskForm):
    product_id = SelectField(_l("Produit concerné"), choices=[], validate_choice=False)
    subject = StringField(_l("Sujet"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Décrivez votre demande"), validators=[DataRequired(), Length(max=100_000)])
    attachment = FileField(_l("Pièce jointe (facultatif)"))


class PortalReplyForm(FlaskForm):
    body = TextAreaField(_l("Votre réponse"), validators=[DataRequired(), Length(max=100_000)])
    attachment = FileField(_l("Pièce jointe (facultatif)"))
