"""The words admin pages show for codes: the fields' error codes come from helpdesk.wording (shared by
every page, re-exported here), the import file's problems, audit actions, object kinds and roles."""
from __future__ import annotations

from flask_babel import gettext as _

from helpdesk.wording import error_summary, field_problem, field_problems  # noqa: F401  (admin pages' names)


def file_problem(code: str) -> str:
    messages = {
        "not_text": _("Ce fichier n'est pas un fichier texte (CSV) lisible."),
        "too_large": _("Le fichier dépasse 5 Mo."),
        "empty": _("Le fichier est vide."),
        "missing_columns": _("La ligne d'en-tête doit contenir au moins les colonnes sku et name."),
        "too_many_lines": _("Le fichier contient trop de lignes (20 000 au plus)."),
    }
    return messages.get(code, _("Ce fichier ne peut pas être importé."))


def action_label(action: str) -> str:
    labels = {
        "created": _("création"), "updated": _("modification"), "deactivated": _("désactivation"),
        "reactivated": _("réactivation"), "invited": _("invitation"), "imported": _("import"),
        "revoked": _("révocation"), "rotated": _("renouvellement"), "deleted": _("suppression"),
        "resent": _("renvoi"), "reprocessed": _("nouveau traitement"),
    }
    return labels.get(action, action)


def object_label(kind: str) -> str:
    labels = {
        "user": _("utilisateur"), "team": _("équipe"), "calendar": _("calendrier"), "sla_policy": _("politique SLA"),
        "product": _("produit"), "api_token": _("jeton d'API"), "telephony_secret": _("secret de téléphonie"),
        "survey_settings": _("réglages des enquêtes"), "settings": _("réglages"), "mail": _("courrier"),
        "tag": _("étiquette"), "canned_response": _("réponse type"),
    }
    return labels.get(kind, kind)


def role_label(role: str) -> str:
    labels = {"agent": _("agent"), "lead": _("responsable d'équipe"), "admin": _("administrateur"),
              "customer": _("client")}
    return labels.get(role, role)
