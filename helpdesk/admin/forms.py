"""Admin forms (Flask-WTF, CSRF on). The rules are the services' (their error codes are worded by
helpdesk.wording); the forms carry what was typed back to the page when something is refused."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, EmailField, IntegerField, PasswordField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.models.customers import SEGMENTS, TACTICAL_SEGMENTS
from helpdesk.models.tickets import PRIORITIES, STATUSES, TYPES
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


class _Ids(SelectMultipleField):
    """Checkboxes; ids by default (`coerce=str` for codes)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, coerce=int, **kwargs):
        super().__init__(*args, coerce=coerce, **kwargs)


class PersonForm(FlaskForm):
    name = StringField(_l("Nom"))
    role = SelectField(_l("Rôle"), choices=_role_choices(),
                       description=_l("Passer à un rôle plus bas ferme ses sessions, jetons et connexions."))
    team_ids = _Ids(_l("Équipes"))
    extension = StringField(_l("Poste téléphonique"), description=_l("Le numéro interne que le standard appelle."))

    def values(self) -> dict:
        return {"name": self.name.data or "", "role": self.role.data, "team_ids": list(self.team_ids.data or []),
                "extension": self.extension.data or None}


class NewPersonForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"))
    name = StringField(_l("Nom"))
    role = SelectField(_l("Rôle"), choices=_role_choices())
    team_ids = _Ids(_l("Équipes"))
    locale = SelectField(_l("Langue"), choices=[("fr", "Français"), ("en", "English")])
    password = PasswordField(_l("Mot de passe (facultatif)"),
                             description=_l("Laissé vide, la personne reçoit par e-mail un lien pour choisir le sien."))

    def values(self) -> dict:
        return {"email": self.email.data or "", "name": self.name.data or None, "role": self.role.data,
                "team_ids": list(self.team_ids.data or []), "locale": self.locale.data,
                "password": self.password.data or None}


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


# --- business calendars ------------------------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOTS = 3  # opening intervals a day can have in the editor (morning, afternoon, evening)
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_INTERVAL = re.compile(r"^\s*(\S+)\s*[-–à]\s*(\S+)\s*$")


def day_label(day: str) -> str:
    return {"mon": _l("Lundi"), "tue": _l("Mardi"), "wed": _l("Mercredi"), "thu": _l("Jeudi"), "fri": _l("Vendredi"),
            "sat": _l("Samedi"), "sun": _l("Dimanche")}[day]


def iso_day(text: str) -> str:
    """"24/12/2026" -> "2026-12-24"; anything else unchanged (the service says what is wrong with it)."""
    text = text.strip()
    match = _FRENCH_DATE.match(text)
    return f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}" if match else text


def days_from_text(text: str | None) -> list[str]:
    """One date per line (or separated by commas), "AAAA-MM-JJ" or "JJ/MM/AAAA"; blank lines ignored."""
    return [iso_day(part) for part in re.split(r"[\n,;]+", text or "") if part.strip()]


def openings_from_text(text: str | None) -> dict[str, list[list[str]]]:
    """Lines "2026-12-19 09:00-12:00, 14:00-16:00" -> {"2026-12-19": [["09:00", "12:00"], ["14:00", "16:00"]]}.
    A piece that is no "start-end" pair is passed on as it is, for the service to refuse by name."""
    openings: dict[str, list] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        day, _sep, rest = line.strip().partition(" ")
        pairs: list = []
        for piece in filter(str.strip, rest.split(",")):
            match = _INTERVAL.match(piece)
            pairs.append([match[1], match[2]] if match else [piece.strip()])
        openings[iso_day(day)] = pairs
    return openings


def openings_to_text(openings: dict | None) -> str:
    return "\n".join(f"{day} " + ", ".join(f"{a}-{b}" for a, b in pairs) for day, pairs in sorted((openings or {}).items()))


class CalendarForm(FlaskForm):
    name = StringField(_l("Nom du calendrier"))
    timezone = StringField(_l("Fuseau horaire"), default="Europe/Paris",
                           description=_l("Un fuseau IANA, par exemple Europe/Paris ou America/Martinique."))
    holidays_country = SelectField(_l("Jours fériés du pays"), default="FR",
                                   description=_l("Les jours fériés de ce pays sont fermés (paquet holidays)."))
    holidays_subdivision = StringField(_l("Région (facultatif)"),
                                       description=_l("Une subdivision du pays qui a ses propres fériés, par exemple 57 "
                                                      "(Moselle) ou 971 (Guadeloupe)."))
    closed_days = TextAreaField(_l("Jours fermés en plus"),
                                description=_l("Un jour par ligne, AAAA-MM-JJ ou JJ/MM/AAAA : ponts, inventaire…"))
    openings = TextAreaField(_l("Ouvertures exceptionnelles"),
                             description=_l("Une date par ligne suivie de ses horaires, qui remplacent ceux de la "
                                            "semaine ce jour-là, même férié : 2026-12-19 09:00-12:00, 14:00-16:00"))

    def load(self, calendar) -> None:
        """Fill the form from a stored calendar (on GET)."""
        self.name.data, self.timezone.data = calendar.name, calendar.timezone
        self.holidays_country.data = calendar.holidays_country or ""
        self.holidays_subdivision.data = calendar.holidays_subdivision or ""
        self.closed_days.data = "\n".join(calendar.closed_days or [])
        self.openings.data = openings_to_text(calendar.openings)
        for day in DAYS:
            for slot, (start, end) in enumerate((calendar.hours or {}).get(day, [])[:SLOTS]):
                getattr(self, f"{day}_{slot}_start").data = start
                getattr(self, f"{day}_{slot}_end").data = end

    def hours(self) -> dict[str, list[list[str]]]:
        hours: dict[str, list] = {}
        for day in DAYS:
            pairs = []
            for slot in range(SLOTS):
                start = (getattr(self, f"{day}_{slot}_start").data or "").strip()
                end = (getattr(self, f"{day}_{slot}_end").data or "").strip()
                if start or end:
                    pairs.append([start, end] if start and end else [start or end])
            if pairs:
                hours[day] = pairs
        return hours

    def values(self) -> dict:
        return {"name": self.name.data or "", "timezone": (self.timezone.data or "").strip(),
                "hours": self.hours() or {day: [] for day in DAYS[:1]},
                "holidays_country": self.holidays_country.data or None,
                "holidays_subdivision": (self.holidays_subdivision.data or "").strip() or None,
                "closed_days": days_from_text(self.closed_days.data),
                "openings": openings_from_text(self.openings.data)}

    def field_for(self, name: str):
        """Where a service's field code shows: "hours.mon" on Monday's row, "openings.<date>" on the
        openings, with the date named."""
        if name == "hours" or name.startswith("hours."):
            day = name.partition(".")[2] or DAYS[0]
            return (getattr(self, f"{day}_0_start", None) or self.mon_0_start), None
        if name.startswith("openings.") or name.startswith("closed_days"):
            return (self.openings if name.startswith("openings") else self.closed_days), name.partition(".")[2] or None
        return getattr(self, name, None) or self.name, None


for _day in DAYS:
    for _slot in range(SLOTS):
        setattr(CalendarForm, f"{_day}_{_slot}_start", StringField(render_kw={"type": "time"}))
        setattr(CalendarForm, f"{_day}_{_slot}_end", StringField(render_kw={"type": "time"}))


# --- SLA policies --------------------------------------------------------------------------------

ESCALATION_ROWS = 3


def _labels(values, labels):
    return [(value, labels.get(value, value)) for value in values]


def policy_choice_labels():
    from helpdesk.console.forms import PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS

    segments = {"standard": _l("Standard"), "premium": _l("Premium"), "vip": _l("VIP"), "business": _l("Entreprise")}
    tactical = {"best": _l("Meilleurs clients"), "high_potential": _l("Fort potentiel"), "new": _l("Nouveau client"),
                "active": _l("Actif"), "inactive": _l("Inactif"), "dissatisfied": _l("Mécontent"), "lost": _l("Perdu")}
    return PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS, segments, tactical


def metric_label(metric: str):
    return {"first_response": _l("première réponse"), "next_response": _l("réponse suivante"),
            "resolution": _l("résolution"), "any": _l("n'importe quel délai")}.get(metric, metric)


class PolicyForm(FlaskForm):
    name = StringField(_l("Nom de la politique"))
    active = BooleanField(_l("Active"), default=True, description=_l("Une politique désactivée ne s'applique à aucun ticket."))
    calendar_id = SelectField(_l("Calendrier ouvré"), coerce=_optional_id,
                              description=_l("Aucun : les délais se comptent sur le calendrier de l'équipe du ticket "
                                             "(24 h sur 24 si elle n'en a pas)."))
    priority = _Ids(_l("Priorités"), coerce=str)
    type = _Ids(_l("Types de demande"), coerce=str)
    segment = _Ids(_l("Segments commerciaux"), coerce=str)
    tactical_segment = _Ids(_l("Segments issus des scores"), coerce=str)
    team = _Ids(_l("Équipes"))
    min_score = IntegerField(_l("Score client minimum (0 à 100)"), validators=[Optional()],
                             description=_l("Le score du client est connu et au moins égal à cette valeur."))
    first_response_minutes = IntegerField(_l("Première réponse (minutes ouvrées)"), validators=[Optional()],
                                          description=_l("60 = 1 h ; 480 = une journée de 8 h."))
    next_response_minutes = IntegerField(_l("Réponse suivante (minutes ouvrées)"), validators=[Optional()])
    resolution_minutes = IntegerField(_l("Résolution (minutes ouvrées)"), validators=[Optional()])
    warn_at_percent = IntegerField(_l("Seuil d'alerte (en pourcentage du délai écoulé)"), default=80, validators=[Optional()],
                                   description=_l("Le ticket passe « à risque » et l'alerte part à ce seuil."))
    pause_statuses = _Ids(_l("Statuts qui mettent les délais en pause"), coerce=str)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        priorities, statuses, types, segments, tactical = policy_choice_labels()
        self.priority.choices = _labels(PRIORITIES, priorities)
        self.type.choices = _labels(TYPES, types)
        self.segment.choices = _labels(SEGMENTS, segments)
        self.tactical_segment.choices = _labels(TACTICAL_SEGMENTS, tactical)
        self.pause_statuses.choices = _labels([s for s in STATUSES if s not in ("resolved", "closed")], statuses)

    def load(self, policy) -> None:
        conditions = policy.conditions or {}
        for key in ("priority", "type", "segment", "tactical_segment", "team"):
            value = conditions.get(key)
            getattr(self, key).data = value if isinstance(value, list) else ([] if value is None else [value])
        self.min_score.data = conditions.get("min_score")
        self.pause_statuses.data = list(policy.pause_statuses or [])
        for index, rule in enumerate((policy.escalations or [])[:ESCALATION_ROWS]):
            getattr(self, f"esc_{index}_on").data = rule.get("on", "breached")
            getattr(self, f"esc_{index}_metric").data = rule.get("metric", "any")
            getattr(self, f"esc_{index}_action").data = rule.get("action", "")
            getattr(self, f"esc_{index}_team").data = "" if rule.get("team") is None else str(rule["team"])
            getattr(self, f"esc_{index}_to").data = "" if rule.get("to") is None else str(rule["to"])

    def escalations(self) -> list[dict]:
        rules = []
        for index in range(ESCALATION_ROWS):
            action = getattr(self, f"esc_{index}_action").data
            if not action:
                continue
            rule: dict = {"on": getattr(self, f"esc_{index}_on").data, "metric": getattr(self, f"esc_{index}_metric").data,
                          "action": action}
            team, to = getattr(self, f"esc_{index}_team").data, getattr(self, f"esc_{index}_to").data
            if team and action == "reassign":
                rule["team"] = int(team) if team.isdigit() else team
            if to:
                rule["to"] = int(to) if to.isdigit() else to
            rules.append(rule)
        return rules

    def values(self) -> dict:
        conditions = {key: list(getattr(self, key).data or []) for key in ("priority", "type", "segment",
                                                                          "tactical_segment", "team")}
        conditions = {key: value for key, value in conditions.items() if value}
        if self.min_score.data is not None:
            conditions["min_score"] = self.min_score.data
        return {"name": self.name.data or "", "active": bool(self.active.data), "calendar_id": self.calendar_id.data,
                "conditions": conditions,
                "targets": {"first_response_minutes": self.first_response_minutes.data,
                            "next_response_minutes": self.next_response_minutes.data,
                            "resolution_minutes": self.resolution_minutes.data},
                "warn_at_percent": self.warn_at_percent.data if self.warn_at_percent.data is not None else 80,
                "pause_statuses": list(self.pause_statuses.data or []), "escalations": self.escalations()}

    def field_for(self, name: str):
        key, _dot, rest = name.partition(".")
        if key in ("conditions", "targets") and rest:
            return getattr(self, rest, None) or self.name, None
        if key == "targets":
            return self.first_response_minutes, None
        if key == "escalations":
            index = int(rest) if rest.isdigit() else 0
            return getattr(self, f"esc_{min(index, ESCALATION_ROWS - 1)}_action"), None
        if key == "conditions":
            return self.priority, None
        return getattr(self, name, None) or self.name, None


for _index in range(ESCALATION_ROWS):
    setattr(PolicyForm, f"esc_{_index}_on", SelectField(choices=[("warning", _l("à l'alerte")), ("breached", _l("au dépassement"))],
                                                        default="breached"))
    setattr(PolicyForm, f"esc_{_index}_metric", SelectField(choices=[(m, metric_label(m)) for m in
                                                                     ("any", "first_response", "next_response", "resolution")]))
    setattr(PolicyForm, f"esc_{_index}_action", SelectField(choices=[
        ("", _l("— aucune —")), ("raise_priority", _l("monter la priorité d'un cran")),
        ("reassign", _l("réattribuer")), ("notify", _l("prévenir par e-mail"))]))
    setattr(PolicyForm, f"esc_{_index}_team", SelectField(validate_choice=False))
    setattr(PolicyForm, f"esc_{_index}_to", SelectField(validate_choice=False))


class MoveForm(FlaskForm):
    """The up/down buttons of the policy list (CSRF only: the direction is the button's value)."""


def place_errors(form: FlaskForm, error) -> None:
    """Word each field code of a refused change next to its field (a code for no field of the form
    goes next to the first one; a form may say where with `field_for(name) -> (field, about)`)."""
    first = next(iter(form))
    for name, words in field_problems(error).items():
        if hasattr(form, "field_for"):
            field, about = form.field_for(name)
        else:
            field, about = getattr(form, name, None) or (form.name if hasattr(form, "name") else first), None
        field.errors = list(field.errors or []) + [f"{about} : {words}" if about else words]


class ApiTokenForm(FlaskForm):
    """Choices are checked by the service (auth.api_tokens), so a refused value is worded from its code."""

    name = StringField(_l("Nom"), description=_l("Ce qui utilise le jeton, par exemple « Pont téléphonique » ou « CRM »."))
    owner_id = SelectField(_l("Au nom de"), validate_choice=False,
                           description=_l("Le jeton agit pour cette personne ; il est révoqué si elle est désactivée "
                                          "ou perd son rôle."))
    scope = SelectField(_l("Rôle du jeton"), choices=_role_choices(), default="agent", validate_choice=False,
                        description=_l("Au plus le rôle de la personne : un jeton « Agent » d'un administrateur ne "
                                       "peut rien administrer."))
    expires_on = StringField(_l("Valable jusqu'au"), description=_l("Inclus ; au plus deux ans."))

    def values(self) -> dict:
        return {"name": self.name.data or "", "owner_id": self.owner_id.data, "scope": self.scope.data,
                "expires_on": self.expires_on.data or ""}


def save(form: FlaskForm, change):
    """Run `change()` (one service call), then commit: (True, its result). A refused change (400 or
    409) is rolled back and each field's code is worded next to its field (place_errors):
    (False, None). Any other error propagates."""
    from helpdesk.errors import DomainError
    from helpdesk.extensions import db

    try:
        result = change()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status not in (400, 409):
            raise
        place_errors(form, error)
        return False, None
    return True, result
