"""The canned-response form (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.console.forms import PRIORITY_LABELS, STATUS_LABELS
from helpdesk.models.tickets import PRIORITIES, STATUSES


class CannedResponseForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Texte de la réponse"), validators=[DataRequired(), Length(max=20_000)],
                         render_kw={"rows": 10})
    language = SelectField(_l("Langue"), choices=[("fr", _l("Français")), ("en", _l("Anglais"))], default="fr")
    team_id = SelectField(_l("Équipe"), coerce=int, choices=[], default=0)
    set_status = SelectField(_l("Passer le ticket au statut"),
                             choices=[("", _l("(inchangé)"))] + [(s, STATUS_LABELS[s]) for s in STATUSES], default="")
    set_priority = SelectField(_l("Passer le ticket en priorité"),
                               choices=[("", _l("(inchangée)"))] + [(p, PRIORITY_LABELS[p]) for p in PRIORITIES], default="")

    def data_for_service(self) -> dict:
        return {"title": self.title.data, "body": self.body.data, "language": self.language.data,
                "team_id": self.team_id.data or None, "set_status": self.set_status.data or None,
                "set_priority": self.set_priority.data or None}
