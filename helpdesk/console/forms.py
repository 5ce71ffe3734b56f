"""Forms of the console pages (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from markupsafe import Markup, escape
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput, Select, html_params

from helpdesk.models.tickets import PRIORITIES, STATUSES, TYPES

class QuickSelect(Select):
    """A <select> whose options are written out directly: the agent and team lists of a ticket page
    (hundreds of people at a big centre) rendered through WTForms' per-option attribute builder took
    a quarter of the page's time."""

    def __call__(self, field, **kwargs):
        # (groups come as a dict; has_groups() would build an object per option to say so)
        if self.multiple or isinstance(field.choices, dict) or any(len(choice) != 2 for choice in field.choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", None)
        for k, value in (vars(flags) if flags is not None else {}).items():  # (dir() sorts every attribute)
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = value
        # The choices as given, (value, label) pairs, compared as text with the field's value:
        # iter_choices() coerces every value back (900 calls a page at 210 agents).
        chosen = None if field.data is None else str(field.data)  # (None: nothing selected, as WTForms)
        parts = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label in field.choices:
            value = str(value)
            # (WTForms' own markup: "selected" first)
            parts.append(f'<option {"selected " if value == chosen else ""}value="{escape(value)}">{escape(label)}</option>')
        parts.append("</select>")
        return Markup("".join(parts))


class ConsoleForm(FlaskForm):
    """The console's forms: `hidden_tag()` writes the hidden inputs itself (the CSRF token, versions),
    the same markup as WTForms' widget without its generic attribute builder: a ticket page has six
    forms."""

    def hidden_tag(self, *fields):
        chosen = [getattr(self, f, None) if isinstance(f, str) else f for f in fields] if fields else self
        return Markup("\n".join(
            f'<input id="{escape(f.id)}" name="{escape(f.name)}" type="hidden" value="{escape(f._value())}">'
            for f in chosen if f is not None and isinstance(f.widget, HiddenInput)
        ))


STATUS_LABELS = {
    "new": _l("Nouveau"), "open": _l("Ouvert"), "pending_customer": _l("Attente client"),
    "pending_third_party": _l("Attente tiers"), "resolved": _l("Résolu"), "closed": _l("Fermé"),
}
PRIORITY_LABELS = {"low": _l("Basse"), "normal": _l("Normale"), "high": _l("Haute"), "urgent": _l("Urgente")}
TYPE_LABELS = {"incident": _l("Incident"), "question": _l("Question"), "request": _l("Demande"), "complaint": _l("Réclamation")}


class ReplyForm(ConsoleForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=100_000)])
    internal = BooleanField(_l("Note interne"))
    version = HiddenField()
    seen_message_id = HiddenField()  # the newest message the agent had on screen
    attachment = FileField(_l("Pièce jointe"))


class TicketFieldsForm(ConsoleForm):
    version = HiddenField()
    status = SelectField(_l("Statut"), choices=[(s, STATUS_LABELS[s]) for s in STATUSES], widget=QuickSelect())
    priority = SelectField(_l("Priorité"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES], widget=QuickSelect())
    type = SelectField(_l("Type"), choices=[(t, TYPE_LABELS[t]) for t in TYPES], widget=QuickSelect())
    team = SelectField(_l("Équipe"), choices=[], validate_choice=False, widget=QuickSelect())
    assignee_id = SelectField(_l("Assigné à"), choices=[], validate_choice=False, widget=QuickSelect())
    tags = StringField(_l("Étiquettes"), validators=[Length(max=1000)])


class NewTicketForm(ConsoleForm):
    customer_id = IntegerField(_l("N° client"), validators=[Optional()])
    customer_email = StringField(_l("E-mail du client"), validators=[Optional(), Length(max=254)])
    subject = StringField(_l("Sujet"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=100_000)])
    channel = SelectField(_l("Canal"), choices=[("phone", _l("Téléphone")), ("email", _l("E-mail")),
                                                 ("chat", _l("Chat")), ("portal", _l("Portail"))], widget=QuickSelect())
    priority = SelectField(_l("Priorité"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES], default="normal",
                           widget=QuickSelect())
    type = SelectField(_l("Type"), choices=[(t, TYPE_LABELS[t]) for t in TYPES], default="question",
                       widget=QuickSelect())
    team = SelectField(_l("Équipe"), choices=[], validate_choice=False, widget=QuickSelect())


class MergeForm(ConsoleForm):
    into = StringField(_l("Fusionner dans le ticket n°"), validators=[DataRequired(), Length(max=20)])


class LinkForm(ConsoleForm):
    related = StringField(_l("Lier au ticket n°"), validators=[DataRequired(), Length(max=20)])


class MacroForm(ConsoleForm):
    macro_id = SelectField(_l("Réponse type"), choices=[], coerce=int, validate_choice=False, widget=QuickSelect())
    version = HiddenField()


class CustomerForm(ConsoleForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=40)])
    organization = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    call_id = HiddenField()


class CallTicketForm(ConsoleForm):
    customer_id = HiddenField()
    product_id = SelectField(_l("Produit concerné"), choices=[], validate_choice=False, widget=QuickSelect())
    subject = StringField(_l("Sujet"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Demande du client"), validators=[DataRequired(), Length(max=100_000)])
    priority = SelectField(_l("Priorité"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES], default="normal",
                           widget=QuickSelect())
    type = SelectField(_l("Type"), choices=[(t, TYPE_LABELS[t]) for t in TYPES], default="incident",
                       widget=QuickSelect())
    team = SelectField(_l("Équipe"), choices=[], validate_choice=False, widget=QuickSelect())
    status = SelectField(_l("Statut à la création"),
                         choices=[("new", _l("Nouveau")), ("resolved", _l("Résolu pendant l'appel"))], default="new",
                         widget=QuickSelect())


QUICK_DUE_LABELS = {"in_1h": _l("dans 1 h"), "in_2h": _l("dans 2 h"), "tomorrow_10": _l("demain 10 h"),
                    "tomorrow_14": _l("demain 14 h")}


class PromiseForm(ConsoleForm):
    """A promise to the customer, on the ticket page and in the call wrap-up (prefix "promise").
    The rules (what is required, how far ahead) are the service's: its errors go next to the fields."""

    what = StringField(_l("Promesse faite au client"), validators=[Optional(), Length(max=500)])
    quick = SelectField(_l("Échéance"), choices=[("", _l("à la date ci-dessous"))] + list(QUICK_DUE_LABELS.items()),
                        default="", widget=QuickSelect())
    due_at = DateTimeLocalField(_l("Date et heure"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    owner_id = SelectField(_l("Promis par"), choices=[], validate_choice=False, widget=QuickSelect())
