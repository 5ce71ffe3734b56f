"""The words admin pages show for the services' stable error codes (never the English text of the
API's messages: a reworded message cannot change what a page shows)."""
from __future__ import annotations

from flask_babel import gettext as _


def field_problem(code: str) -> str:
    messages = {
        "required": _("Ce champ est obligatoire."),
        "too_long": _("Ce texte est trop long."),
        "duplicate": _("Cette valeur est déjà utilisée."),
        "not_a_number": _("Indiquez un nombre entier."),
        "out_of_range": _("Valeur hors des limites permises."),
        "not_true_or_false": _("Indiquez oui ou non."),
        "unknown_field": _("Colonne inconnue."),
        "repeated_in_file": _("Cette référence figure déjà plus haut dans le fichier."),
        "bad_date": _("Date invalide (format AAAA-MM-JJ)."),
        "range_reversed": _("La fin de la période précède son début."),
        "not_a_user": _("Utilisateur inconnu."),
        "unknown_object": _("Type d'objet inconnu."),
        "not_a_choice": _("Valeur non proposée."),
        "customer_account": _("Un compte client du portail ne devient pas un compte de l'équipe."),
        "not_a_list_of_ids": _("Choisissez dans la liste."),
        "unknown_team": _("Équipe inconnue."),
        "unknown_calendar": _("Calendrier inconnu."),
        "unknown_policy": _("Politique SLA inconnue."),
        "unknown_user": _("Personne inconnue (ou qui n'est pas de l'équipe du service)."),
        "last_admin": _("C'est le dernier administrateur actif : nommez-en un autre d'abord."),
        "invalid_email": _("Cette adresse e-mail n'est pas valide."),
        "unknown_timezone": _("Fuseau horaire inconnu : un nom IANA comme Europe/Paris."),
        "unknown_country": _("Pays inconnu du calendrier des jours fériés."),
        "unknown_subdivision": _("Région inconnue pour ce pays (voir la liste du paquet holidays)."),
        "bad_time": _("Heure invalide : HH:MM, de 00:00 à 24:00."),
        "end_before_start": _("La fin d'une plage doit suivre son début."),
        "overlap": _("Deux plages se chevauchent."),
        "not_a_pair": _("Une plage a un début et une fin."),
        "unknown_day": _("Jour de la semaine inconnu."),
        "no_hours": _("Une ouverture exceptionnelle a besoin de ses horaires."),
        "never_open": _("Ce calendrier n'ouvre jamais : donnez au moins une plage horaire."),
        "not_a_list": _("Une liste est attendue."),
        "not_an_object": _("Format invalide."),
        "no_target": _("Donnez au moins un délai."),
        "bad_escalation": _("Escalade incomplète : quand, délai et action."),
        "above_owner_role": _("Un jeton ne peut pas avoir plus de droits que la personne au nom de qui il agit."),
        "not_in_future": _("Choisissez une date après aujourd'hui."),
        "weak_password": _("Ce mot de passe n'est pas accepté : au moins 8 caractères, et pas un mot de passe courant."),
    }
    return messages.get(code, _("Valeur refusée."))


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
