"""The words every page shows for the services' stable error codes (a field's "required", "too_long",
...), with the limits the error carries; never the English text of an error's message, so a
reworded message cannot change what a page shows or does."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from helpdesk.errors import DomainError


def _list(values: Any) -> str:
    return ", ".join(str(v) for v in values or ())


def field_problem(code: str, limits: Mapping[str, Any] | None = None) -> str:
    """A field's error code in the reader's language; `limits` are the figures the error carries for
    that field (max_length, max_tags, min, max, ...), said when known."""
    limits = limits or {}
    if code == "too_long" and "max_length" in limits:
        return _("Ce texte est trop long (%(max)s caractères au plus).", max=limits["max_length"])
    if code == "too_short" and "min_length" in limits:
        return _("C'est trop court (au moins %(min)s caractères).", min=limits["min_length"])
    if code == "too_many_tags" and {"max_tags", "max_length"} <= set(limits):
        return _("Au plus %(count)s étiquettes de %(length)s caractères chacune.",
                 count=limits["max_tags"], length=limits["max_length"])
    if code == "out_of_range" and {"min", "max"} <= set(limits):
        return _("Indiquez un nombre entier de %(min)s à %(max)s.", min=limits["min"], max=limits["max"])
    if code == "too_many" and "max_items" in limits:
        return _("Au plus %(count)s à la fois.", count=limits["max_items"])
    if code == "too_soon" and "min_minutes" in limits:
        return _("Choisissez un moment au moins %(minutes)s minutes plus tard.", minutes=limits["min_minutes"])
    if code == "too_far_ahead" and "max_days" in limits:
        return _("Au plus %(days)s jours à l'avance.", days=limits["max_days"])
    if code == "too_large" and "max_mb" in limits:
        return _("Le fichier dépasse %(size)s Mo.", size=limits["max_mb"])
    if code == "unknown_placeholder" and "unknown" in limits:
        return _("Champ inconnu : %(unknown)s. Champs possibles : %(available)s.",
                 unknown=", ".join("{{ %s }}" % n for n in limits.get("unknown", ())),
                 available=", ".join("{{ %s }}" % n for n in limits.get("available", ())))
    if code == "unknown_product" and limits.get("unknown"):
        return _("Produit inconnu : %(skus)s.", skus=_list(limits["unknown"]))
    if code == "missing_columns" and limits.get("missing"):
        return _("Colonnes manquantes : %(columns)s.", columns=_list(limits["missing"]))
    return FIELD_WORDS.get(code, _fallback)()


def _fallback() -> str:
    return _("Valeur refusée.")


# Each code's words, said at the moment they are shown (in the reader's language).
FIELD_WORDS = {
    "required": lambda: _("Ce champ est obligatoire."),
    "not_text": lambda: _("Indiquez du texte."),
    "too_long": lambda: _("Ce texte est trop long."),
    "too_short": lambda: _("C'est trop court."),
    "duplicate": lambda: _("Cette valeur est déjà utilisée."),
    "not_a_number": lambda: _("Indiquez un nombre entier."),
    "out_of_range": lambda: _("Valeur hors des limites permises."),
    "not_true_or_false": lambda: _("Indiquez oui ou non."),
    "unknown_field": lambda: _("Colonne inconnue."),
    "repeated_in_file": lambda: _("Cette référence figure déjà plus haut dans le fichier."),
    "bad_date": lambda: _("Date invalide (format AAAA-MM-JJ)."),
    "no_utc_offset": lambda: _("Indiquez le décalage horaire de l'heure (par exemple +01:00)."),
    "range_reversed": lambda: _("La fin de la période précède son début."),
    "min_above_max": lambda: _("Le minimum dépasse le maximum."),
    "not_a_user": lambda: _("Utilisateur inconnu."),
    "unknown_object": lambda: _("Type d'objet inconnu."),
    "not_a_choice": lambda: _("Valeur non proposée."),
    "customer_account": lambda: _("Un compte client du portail ne devient pas un compte de l'équipe."),
    "not_a_list_of_ids": lambda: _("Choisissez dans la liste."),
    "unknown_team": lambda: _("Équipe inconnue."),
    "unknown_calendar": lambda: _("Calendrier inconnu."),
    "unknown_policy": lambda: _("Politique SLA inconnue."),
    "unknown_user": lambda: _("Personne inconnue (ou qui n'est pas de l'équipe du service)."),
    "last_admin": lambda: _("C'est le dernier administrateur actif : nommez-en un autre d'abord."),
    "invalid_email": lambda: _("Cette adresse e-mail n'est pas valide."),
    "weak_password": lambda: _("Ce mot de passe n'est pas accepté : au moins 8 caractères, et pas un mot de passe courant."),
    "wrong_password": lambda: _("Ce n'est pas votre mot de passe actuel."),
    "not_verified": lambda: _("Cette adresse e-mail n'est pas encore confirmée."),
    "unknown_placeholder": lambda: _("Ce texte contient un champ inconnu."),
    "must_be_list": lambda: _("Indiquez une liste."),
    "too_many_tags": lambda: _("Trop d'étiquettes, ou une étiquette trop longue."),
    "not_an_id": lambda: _("Choisissez dans la liste."),
    "not_a_phone": lambda: _("Ce numéro de téléphone n'est pas valide."),
    "not_allowed": lambda: _("Ce changement ne vous est pas permis."),
    "not_reopenable": lambda: _("Seule une demande résolue ou clôturée peut être rouverte."),
    "no_way_back_to_new": lambda: _("Un ticket ne redevient pas nouveau."),
    "reopen_window_passed": lambda: _("Cette demande a été résolue il y a trop longtemps pour être rouverte : écrivez une nouvelle demande."),
    "unknown_customer": lambda: _("Client inconnu."),
    "unknown_ticket": lambda: _("Ticket inconnu."),
    "unknown_call": lambda: _("Appel inconnu."),
    "unknown_product": lambda: _("Produit inconnu."),
    "unknown_category": lambda: _("Catégorie inconnue."),
    "unknown_article": lambda: _("Article inconnu."),
    "not_their_product": lambda: _("Ce produit n'est pas celui de ce client."),
    "same_ticket": lambda: _("Choisissez un autre ticket que celui-ci."),
    "already_merged": lambda: _("Ce ticket est déjà fusionné dans un autre."),
    "merged_ticket": lambda: _("Ce ticket est fusionné dans un autre : utilisez celui-là."),
    "none_selected": lambda: _("Choisissez au moins un ticket."),
    "too_many": lambda: _("Trop d'éléments à la fois."),
    "too_soon": lambda: _("Choisissez un moment plus tard."),
    "too_far_ahead": lambda: _("C'est trop loin dans l'avenir."),
    "bad_cursor": lambda: _("Lien de page invalide : revenez à la première page."),
    "bad_slug": lambda: _("Uniquement des minuscules, des chiffres et des tirets."),
    "translation_taken": lambda: _("Cet article a déjà une version dans cette langue."),
    "nested_too_deep": lambda: _("Les catégories n'ont qu'un niveau : choisissez une catégorie principale."),
    "not_an_amount": lambda: _("Indiquez un montant positif."),
    "not_a_currency": lambda: _("Indiquez un code de devise de 3 lettres (EUR)."),
    "type_not_allowed": lambda: _("Ce type de fichier n'est pas accepté."),
    "content_mismatch": lambda: _("Le contenu du fichier ne correspond pas à son nom."),
    "too_large": lambda: _("Le fichier est trop volumineux."),
    "empty": lambda: _("Le fichier est vide."),
    "missing_columns": lambda: _("Il manque des colonnes dans la ligne d'en-tête."),
    "malformed_json": lambda: _("Le contenu envoyé n'est pas du JSON valide."),
    "not_an_object": lambda: _("Le contenu envoyé doit être un objet JSON."),
    "unknown_range": lambda: _("Période inconnue."),
    "range_too_long": lambda: _("La période est trop longue."),
    "unknown_agent": lambda: _("Agent inconnu."),
    "bad_hours": lambda: _("Horaires invalides : pour chaque jour, des plages [début, fin] comme 09:00–12:30."),
    "unknown_country": lambda: _("Pays inconnu du calendrier des jours fériés (un code comme FR)."),
    "unknown_timezone": lambda: _("Fuseau horaire inconnu : un nom IANA comme Europe/Paris."),
    "unknown_subdivision": lambda: _("Région inconnue pour ce pays (voir la liste du paquet holidays)."),
    "bad_time": lambda: _("Heure invalide : HH:MM, de 00:00 à 24:00."),
    "end_before_start": lambda: _("La fin d'une plage doit suivre son début."),
    "overlap": lambda: _("Deux plages se chevauchent."),
    "not_a_pair": lambda: _("Une plage a un début et une fin."),
    "unknown_day": lambda: _("Jour de la semaine inconnu."),
    "no_hours": lambda: _("Une ouverture exceptionnelle a besoin de ses horaires."),
    "never_open": lambda: _("Ce calendrier n'ouvre jamais : donnez au moins une plage horaire."),
    "not_a_list": lambda: _("Une liste est attendue."),
    "no_target": lambda: _("Donnez au moins un délai."),
    "bad_escalation": lambda: _("Escalade incomplète : quand, délai et action."),
    "above_owner_role": lambda: _("Un jeton ne peut pas avoir plus de droits que la personne au nom de qui il agit."),
    "not_in_future": lambda: _("Choisissez une date après aujourd'hui."),
}


def field_problems(error: DomainError, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each bad field of a refused change (details["fields"]: field -> code) in words, with its limits;
    `overrides` gives a page's own words for some codes (code -> words)."""
    details = error.details if isinstance(error.details, dict) else {}
    limits = details.get("limits") or {}
    overrides = overrides or {}
    return {name: overrides.get(code) or field_problem(code, limits.get(name))
            for name, code in (details.get("fields") or {}).items() if isinstance(code, str)}


def error_summary(error: DomainError, labels: Mapping[str, str] | None = None) -> str:
    """A refused change in one sentence for a flash message: each field's words (after the field's
    label when `labels` names it), or, without fields, the words for the error's own code."""
    problems = field_problems(error)
    if problems:
        labels = labels or {}
        return " ".join(f"{labels[name]} : {words}" if name in labels else words for name, words in problems.items())
    return ERROR_WORDS.get(error.code, lambda: _("Cette action n'a pas pu être faite."))()


# Words for an error's own code, when it names no field.
ERROR_WORDS = {
    "conflict": lambda: _("Cela a été changé par quelqu'un d'autre entre-temps : rechargez la page et recommencez."),
    "duplicate": lambda: _("Cela existe déjà."),
    "not_found": lambda: _("Introuvable."),
    "forbidden": lambda: _("Vous n'avez pas le droit de faire cela."),
    "gone": lambda: _("Ce lien a expiré ou a déjà servi."),
    "reopen_window_passed": FIELD_WORDS["reopen_window_passed"],
}

