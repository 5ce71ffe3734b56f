"""Admin forms (Flask-WTF, CSRF on). The rules are the services' (their error codes are worded by
admin.wording); the forms carry what was typed back to the page when something is refused."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import NumberRange, Optional


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


class ProductImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired(message=_l("Choisissez un fichier CSV."))],
                     description=_l("Une ligne d'en-tête : sku, name (ou référence, nom), et au choix family, "
                                    "warranty_months, active. Virgule ou point-virgule ; 5 Mo au plus."))
