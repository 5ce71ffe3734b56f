"""How the portal says things in plain words: SLA delays ("4 h ouvrées"), refused files, file limits."""
from __future__ import annotations

from flask_babel import gettext as _, ngettext

from helpdesk.portal.service import SlaTier, UploadProblem


def delay_text(minutes: int | None, business: bool) -> str | None:
    """"4 h ouvrées", "30 minutes ouvrées", "2 jours" (days only on a clock that never stops)."""
    if minutes is None:
        return None
    if minutes < 60:
        if business:
            return ngettext("%(num)d minute ouvrée", "%(num)d minutes ouvrées", minutes)
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours, rest = divmod(minutes, 60)
    if not business and rest == 0 and hours % 24 == 0:
        return ngettext("%(num)d jour", "%(num)d jours", hours // 24)
    if rest:
        text = "%d h %02d" % (hours, rest)
        return _("%(delay)s ouvrées", delay=text) if business else text
    if business:
        return ngettext("%(num)d h ouvrée", "%(num)d h ouvrées", hours)
    return "%d h" % hours


def tier_sentence(tier: SlaTier | None) -> str | None:
    """"Réponse sous 4 h ouvrées, résolution visée sous 16 h ouvrées." or None when no SLA applies."""
    if tier is None:
        return None
    response = delay_text(tier.first_response_minutes, tier.business_hours)
    resolution = delay_text(tier.resolution_minutes, tier.business_hours)
    if response and resolution:
        return _("Réponse sous %(response)s, résolution visée sous %(resolution)s.", response=response,
                 resolution=resolution)
    if response:
        return _("Réponse sous %(response)s.", response=response)
    if resolution:
        return _("Résolution visée sous %(resolution)s.", resolution=resolution)
    return None


def megabytes(size: int) -> str:
    return _("%(num)s Mo", num=f"{size / (1024 * 1024):.0f}")


def upload_problem_text(problem: UploadProblem, max_count: int, max_bytes: int) -> str:
    if problem.reason == "too_many":
        return ngettext("Vous pouvez joindre au plus %(num)d fichier.", "Vous pouvez joindre au plus %(num)d fichiers.",
                        max_count)
    if problem.reason == "too_large":
        return _("« %(name)s » dépasse la taille maximale de %(size)s.", name=problem.filename, size=megabytes(max_bytes))
    if problem.reason == "empty":
        return _("« %(name)s » est vide.", name=problem.filename)
    return _("« %(name)s » : ce type de fichier n'est pas accepté.", name=problem.filename)
