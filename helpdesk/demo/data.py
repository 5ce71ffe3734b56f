"""The raw material of the demo data: French names, companies, a product catalogue, ticket topics
with their conversations, and knowledge-base articles. Plain constants, no database access.

Addresses use reserved domains (example.com/.net/.org, RFC 2606) and phone numbers come from the
ranges ARCEP sets aside for fiction, so a demo never e-mails or calls a real person.
"""
from __future__ import annotations

DEMO_DOMAIN = "demo.helpdesk.fr"

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

FIRST_NAMES_F = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Laura", "Marie",
    "Anaïs", "Pauline", "Clara", "Lucie", "Océane", "Mathilde", "Élodie", "Charlotte", "Justine", "Margaux",
    "Nathalie", "Isabelle", "Sandrine", "Valérie", "Sophie", "Stéphanie", "Céline", "Aurélie", "Christine", "Sylvie",
    "Catherine", "Françoise", "Monique", "Martine", "Brigitte", "Nadia", "Fatima", "Yasmine", "Amandine", "Hélène",
    "Agnès", "Delphine", "Émilie", "Juliette", "Louise", "Zoé", "Alice", "Jeanne", "Lina", "Maëlys",
)
FIRST_NAMES_M = (
    "Lucas", "Hugo", "Thomas", "Nicolas", "Julien", "Maxime", "Alexandre", "Antoine", "Quentin", "Romain",
    "Kévin", "Florian", "Mathieu", "Guillaume", "Sébastien", "Olivier", "Christophe", "Laurent", "Stéphane", "Philippe",
    "Pierre", "Jean", "Michel", "Patrick", "Éric", "Frédéric", "David", "Vincent", "Franck", "Thierry",
    "Karim", "Mehdi", "Youssef", "Samir", "Bruno", "Gérard", "Alain", "Bernard", "Jérôme", "Cédric",
    "Louis", "Gabriel", "Arthur", "Raphaël", "Jules", "Théo", "Nathan", "Paul", "Adrien", "Benoît",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
    "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier",
    "Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand",
    "Dufour", "Blanchard", "Marie", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
    "Fernandez", "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal",
    "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe", "Leclercq", "Lacroix", "Fabre", "Benali",
)
# A few customers write in English (expatriates, tourists, foreign companies' staff).
FIRST_NAMES_EN = (
    "James", "Emily", "Oliver", "Sophie", "Jack", "Charlotte", "Harry", "Amelia", "George", "Olivia",
    "William", "Hannah", "Daniel", "Grace", "Michael", "Emma", "Matthew", "Lucy", "Andrew", "Rachel",
)
LAST_NAMES_EN = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
)

CITIES = (
    "Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Montpellier", "Strasbourg", "Bordeaux", "Lille",
    "Rennes", "Reims", "Toulon", "Saint-Étienne", "Le Havre", "Grenoble", "Dijon", "Angers", "Nîmes", "Villeurbanne",
    "Clermont-Ferrand", "Le Mans", "Aix-en-Provence", "Brest", "Tours", "Amiens", "Limoges", "Annecy", "Perpignan",
    "Metz", "Besançon", "Orléans", "Rouen", "Mulhouse", "Caen", "Nancy", "Argenteuil", "Montreuil", "Roubaix", "Avignon",
)

# Reserved example domains (RFC 2606): valid addresses that can never reach anybody.
PERSONAL_MAIL_DOMAINS = ("example.com", "example.net", "example.org")

# ARCEP's numbers reserved for fiction: 01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49 (landlines),
# 06 39 98 (mobiles), 09 75 98 (VoIP), each followed by four digits.
FICTIONAL_MOBILE_PREFIXES = ("06 39 98",)
FICTIONAL_LANDLINE_PREFIXES = ("01 99 00", "02 61 91", "03 53 01", "04 65 71", "05 36 49", "09 75 98")

COMPANIES = (
    # (name, city, segment)
    ("Boulangerie Lefèvre", "Lyon", "standard"),
    ("Cabinet Dupont & Associés", "Paris", "premium"),
    ("Transports Girard", "Nantes", "business"),
    ("Pharmacie des Halles", "Toulouse", "standard"),
    ("Garage Mercier Automobiles", "Rennes", "standard"),
    ("Hôtel Le Belvédère", "Nice", "premium"),
    ("Clinique vétérinaire Saint-Roch", "Montpellier", "standard"),
    ("Agence immobilière Roussel", "Bordeaux", "business"),
    ("Restaurant La Table d'Anna", "Strasbourg", "standard"),
    ("Menuiserie Perrin Frères", "Grenoble", "standard"),
    ("Étude notariale Gauthier", "Dijon", "premium"),
    ("Cabinet médical des Lilas", "Lille", "standard"),
    ("Librairie Le Marque-Page", "Angers", "standard"),
    ("Crèche Les Petits Loups", "Tours", "standard"),
    ("Fromagerie Blanchard", "Annecy", "standard"),
    ("Électricité Morin SARL", "Reims", "business"),
    ("Domaine viticole Fabre", "Nîmes", "premium"),
    ("Salon de coiffure L'Atelier", "Caen", "standard"),
    ("Auto-école Dumas", "Limoges", "standard"),
    ("Plomberie Lacroix", "Metz", "business"),
    ("Fleuriste Les Jardins de Margaux", "Orléans", "standard"),
    ("Cabinet d'architectes Leclerc", "Paris", "premium"),
    ("Camping Les Pins", "Perpignan", "standard"),
    ("Boucherie Charcuterie Renaud", "Besançon", "standard"),
    ("Imprimerie Caron", "Rouen", "business"),
    ("Opticien Vision Plus Brunet", "Mulhouse", "standard"),
    ("Centre de kinésithérapie Aubert", "Nancy", "standard"),
    ("Société Lemoine Logistique", "Le Havre", "business"),
    ("Bureau d'études Picard", "Clermont-Ferrand", "business"),
    ("Association Sportive de Brest", "Brest", "standard"),
    ("Traiteur Gaillard", "Aix-en-Provence", "premium"),
    ("Maison de retraite Les Tilleuls", "Le Mans", "business"),
    ("Cave à vins Colin", "Avignon", "standard"),
    ("Studio photo Lumière", "Marseille", "standard"),
    ("Cabinet comptable Vidal", "Toulon", "business"),
    ("Épicerie fine Giraud", "Saint-Étienne", "standard"),
    ("Fitness Club Arnaud", "Villeurbanne", "premium"),
    ("Ateliers Rolland Couverture", "Amiens", "standard"),
    ("Pressing du Centre Meunier", "Montreuil", "standard"),
    ("Laboratoire Barbier Analyses", "Argenteuil", "business"),
)

CUSTOMER_NOTES = (
    "Client malentendant : privilégier l'écrit (e-mail ou portail).",
    "Préfère être rappelé entre 12h et 14h.",
    "Client historique depuis 2012, très fidèle. Toujours proposer un geste commercial en cas de souci.",
    "A déjà eu deux échanges d'appareil en 2025 : vérifier l'historique SAV avant toute nouvelle procédure.",
    "Ne pas appeler le mercredi (garde d'enfants). Joignable par SMS.",
    "Parle anglais de préférence (expatrié).",
    "Gère aussi le contrat de sa mère (même adresse). Procuration au dossier.",
    "Client exigeant mais de bonne foi ; bien reformuler les délais.",
    "Réclamation en cours auprès du médiateur des communications électroniques : transmettre au responsable.",
    "Accès difficile au logement (4e étage sans ascenseur) : prévenir le transporteur.",
    "Travaille de nuit : appeler l'après-midi uniquement.",
    "Ancien litige de facturation clos en faveur du client ; éviter de relancer sur ce sujet.",
)

ORGANIZATION_NOTES = (
    "Contrat professionnel avec interlocuteur unique : voir l'administrateur du compte avant toute résiliation.",
    "Parc d'une dizaine de lignes mobiles et d'une box pro. Facturation mensuelle groupée.",
    "Ouvert le samedi : éviter les interventions le week-end.",
    "Site principal et un dépôt ; livraisons uniquement en semaine de 8h à 12h.",
)

# ---------------------------------------------------------------------------------------------
# Teams, calendars, SLA policies, staff
# ---------------------------------------------------------------------------------------------

WEEKDAY_HOURS = [["09:00", "12:30"], ["13:30", "18:00"]]

CALENDARS = (
    # (key, name, hours)
    ("n1", "Calendrier Support Niveau 1", {
        "mon": WEEKDAY_HOURS, "tue": WEEKDAY_HOURS, "wed": WEEKDAY_HOURS, "thu": WEEKDAY_HOURS,
        "fri": WEEKDAY_HOURS, "sat": [["09:00", "12:00"]],
    }),
    ("tech", "Calendrier Support Technique", {
        "mon": WEEKDAY_HOURS, "tue": WEEKDAY_HOURS, "wed": WEEKDAY_HOURS, "thu": WEEKDAY_HOURS, "fri": WEEKDAY_HOURS,
    }),
    ("billing", "Calendrier Facturation", {
        "mon": [["09:00", "12:30"], ["13:30", "17:30"]], "tue": [["09:00", "12:30"], ["13:30", "17:30"]],
        "wed": [["09:00", "12:30"], ["13:30", "17:30"]], "thu": [["09:00", "12:30"], ["13:30", "17:30"]],
        "fri": [["09:00", "12:30"], ["13:30", "17:00"]],
    }),
)

TEAMS = (
    # (key, name, e-mail, calendar key)
    ("n1", "Support Niveau 1", f"support@{DEMO_DOMAIN}", "n1"),
    ("tech", "Support Technique", f"technique@{DEMO_DOMAIN}", "tech"),
    ("billing", "Facturation", f"facturation@{DEMO_DOMAIN}", "billing"),
)

# Targets in business minutes. The lowest rank whose conditions match applies.
SLA_POLICIES = (
    # (name, rank, conditions, first response, next response, resolution, escalations)
    ("Clients VIP", 5, {"segment": "vip"}, 30, 60, 8 * 60,
     [{"on": "breached", "metric": "resolution", "action": "raise_priority"}]),
    ("Priorité urgente", 10, {"priority": "urgent"}, 30, 60, 4 * 60,
     [{"on": "breached", "metric": "resolution", "action": "raise_priority"}]),
    ("Priorité haute", 20, {"priority": "high"}, 60, 2 * 60, 8 * 60,
     [{"on": "breached", "metric": "resolution", "action": "raise_priority"}]),
    ("Priorité normale", 30, {"priority": "normal"}, 4 * 60, 8 * 60, 3 * 8 * 60, []),
    ("Priorité basse", 40, {"priority": "low"}, 8 * 60, 16 * 60, 5 * 8 * 60, []),
    # Our best customers (tactical segment from their scores) wait less, urgent tickets excepted.
    ("Meilleurs clients", 15, {"tactical_segment": ["best"]}, 45, 90, 6 * 60,
     [{"on": "breached", "metric": "first_response", "action": "notify"}]),
)
DEFAULT_POLICY_NAME = "Priorité normale"

# (e-mail local part, first name, last name, role, team keys, availability, extension)
STAFF = (
    ("admin", "Isabelle", "Moreau", "admin", (), "offline", "100"),
    ("lead", "Julien", "Bernard", "lead", ("n1", "tech", "billing"), "available", "101"),
    ("agent", "Léa", "Petit", "agent", ("n1",), "available", "201"),
    ("thomas.roux", "Thomas", "Roux", "agent", ("n1",), "on_call", "202"),
    ("manon.fournier", "Manon", "Fournier", "agent", ("n1",), "away", "203"),
    ("hugo.girard", "Hugo", "Girard", "agent", ("n1", "tech"), "available", "204"),
    ("technicien", "Antoine", "Lambert", "agent", ("tech",), "available", "301"),
    ("chloe.bonnet", "Chloé", "Bonnet", "agent", ("tech",), "offline", "302"),
    ("maxime.fontaine", "Maxime", "Fontaine", "agent", ("tech",), "available", "303"),
    ("sarah.chevalier", "Sarah", "Chevalier", "agent", ("tech",), "away", "304"),
    ("emilie.mercier", "Émilie", "Mercier", "agent", ("billing",), "available", "401"),
    ("karim.benali", "Karim", "Benali", "agent", ("billing", "n1"), "offline", "402"),
)

# The first demo customers are fixed so that their portal logins can be printed.
# index -> (first name, last name, e-mail, segment, organization index or None, org admin)
PORTAL_DEMO_CUSTOMERS = {
    1: ("Camille", "Lefèvre", f"client@{DEMO_DOMAIN}", "premium", None, False),
    2: ("Nicolas", "Garnier", f"pro@{DEMO_DOMAIN}", "business", 0, True),
}
# Colleagues of the org admin above, so that "my organization's tickets" shows something.
ORG_COLLEAGUES = {3: 0, 4: 0}

# ---------------------------------------------------------------------------------------------
# Product catalogue
# ---------------------------------------------------------------------------------------------

F_BOX = "Box internet"
F_PHONE = "Smartphone"
F_TABLET = "Tablette"
F_TV = "TV & Son"
F_LARGE = "Gros électroménager"
F_SMALL = "Petit électroménager"
F_HOME = "Maison connectée"
F_SUB = "Abonnement"

# (sku, name, family, warranty months, price in EUR, weight, plans (contract months, plan name) or None)
PRODUCTS = (
    ("BOX-FIBRA-X200", "Box Fibra X200", F_BOX, 0, 49.00, 10, (12, ("Fibre 1 Gb/s", "Fibre 2 Gb/s + TV"))),
    ("BOX-FIBRA-X300", "Box Fibra X300 Wi-Fi 7", F_BOX, 0, 49.00, 7, (12, ("Fibre 8 Gb/s", "Fibre 2 Gb/s + TV"))),
    ("BOX-LITE-VDSL", "Box Lite ADSL/VDSL", F_BOX, 0, 19.00, 4, (12, ("ADSL essentiel", "VDSL confort"))),
    ("REP-WIFI-MESH-M2", "Répéteur Wi-Fi Mesh M2", F_BOX, 24, 89.99, 3, None),
    ("SMP-NOVA-12", "Smartphone Nova 12 128 Go", F_PHONE, 24, 499.00, 8, None),
    ("SMP-NOVA-12P", "Smartphone Nova 12 Pro 256 Go", F_PHONE, 24, 899.00, 5, None),
    ("SMP-ALTO-A5", "Smartphone Alto A5", F_PHONE, 24, 199.00, 6, None),
    ("SMP-ALTO-A7", "Smartphone Alto A7 5G", F_PHONE, 24, 329.00, 6, None),
    ("SMP-NOVA-11-RECO", "Smartphone Nova 11 reconditionné", F_PHONE, 12, 279.00, 4, None),
    ("TAB-NOVA-TAB10", "Tablette Nova Tab 10", F_TABLET, 24, 349.00, 3, None),
    ("TAB-KIDS-8", "Tablette Kids 8 pouces", F_TABLET, 12, 129.00, 2, None),
    ("TV-OLED-55-LUMIO", "Téléviseur OLED 55\" Lumio", F_TV, 24, 1290.00, 3, None),
    ("TV-LED-43-LUMIO", "Téléviseur LED 43\" Lumio", F_TV, 24, 449.00, 3, None),
    ("SON-ARIA-300", "Barre de son Aria 300", F_TV, 24, 279.00, 2, None),
    ("DEC-TV-4K", "Décodeur TV 4K", F_TV, 0, 0.00, 4, (12, ("Bouquet essentiel", "Bouquet ciné séries"))),
    ("LL-8KG-1400", "Lave-linge hublot 8 kg 1400 tr/min", F_LARGE, 24, 549.00, 4, None),
    ("LV-14C-SILENCE", "Lave-vaisselle 14 couverts Silence", F_LARGE, 24, 499.00, 3, None),
    ("RF-COMBI-340-NF", "Réfrigérateur combiné No Frost 340 L", F_LARGE, 24, 749.00, 3, None),
    ("FO-PYRO-70", "Four encastrable pyrolyse 70 L", F_LARGE, 24, 429.00, 2, None),
    ("SL-9KG-PAC", "Sèche-linge pompe à chaleur 9 kg", F_LARGE, 24, 649.00, 2, None),
    ("ASP-ROBOT-R9", "Aspirateur robot laveur R9", F_SMALL, 24, 399.00, 3, None),
    ("ASP-ROBOT-R7-RECO", "Aspirateur robot R7 reconditionné", F_SMALL, 12, 169.00, 2, None),
    ("CAF-EXPRESSO-B2", "Machine expresso broyeur B2", F_SMALL, 24, 449.00, 3, None),
    ("ASP-BALAI-V8", "Aspirateur balai sans fil V8", F_SMALL, 24, 249.00, 3, None),
    ("CAM-IP-HOME", "Caméra de surveillance Wi-Fi Home", F_HOME, 24, 89.00, 2, None),
    ("THERMO-ECO-PLUS", "Thermostat connecté Eco+", F_HOME, 24, 179.00, 2, None),
    ("FORF-MOB-100G", "Forfait mobile 100 Go", F_SUB, 0, 0.00, 8, (12, ("100 Go 5G", "100 Go 5G Europe"))),
    ("FORF-MOB-5G", "Forfait mobile 5 Go", F_SUB, 0, 0.00, 4, (0, ("5 Go sans engagement",))),
    ("EXT-GAR-3ANS", "Extension de garantie 3 ans", F_SUB, 0, 79.00, 3, (36, ("Garantie étendue 3 ans",))),
)

ACCESSORY_ORDERS = (
    ("Coque de protection", 19.90), ("Verre trempé", 14.90), ("Chargeur rapide 30 W", 29.90),
    ("Câble HDMI 2.1", 17.90), ("Filtre à eau pour réfrigérateur", 34.90), ("Capsules de détartrant", 12.90),
    ("Brosses de rechange pour aspirateur robot", 24.90), ("Écouteurs sans fil", 79.90),
    ("Support mural TV", 49.90), ("Carte mémoire 128 Go", 22.90), ("Câble Ethernet 5 m", 9.90),
    ("Batterie de rechange aspirateur", 59.90), ("Télécommande universelle", 24.90), ("Housse pour tablette", 29.90),
)

# Who buys what from us (the orders behind RFM): bought at a partner shop (no order here), once long
# ago, now and then, or often and lately (the fans, the demo's best customers).
BUYER_PROFILES = ("shop", "once", "regular", "fan")
BUYER_PROFILE_CUM = (6, 36, 92, 100)

# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------

TAGS = (
    "box-internet", "wifi", "fibre", "panne", "installation", "rendez-vous", "tv", "sav", "garantie", "casse",
    "batterie", "sim", "forfait", "hors-forfait", "intervention", "électroménager", "application", "livraison",
    "retour", "remboursement", "facturation", "facture", "paiement", "résiliation", "compte-client",
    "réclamation", "client-mécontent", "geste-commercial", "rappel-client", "escalade", "entretien",
    "déménagement", "objets-connectés", "première-demande", "vip",
)
EXTRA_TAGS = ("rappel-client", "geste-commercial", "escalade", "première-demande")

# ---------------------------------------------------------------------------------------------
# Ticket topics: subjects and conversation snippets
# ---------------------------------------------------------------------------------------------
# Placeholders: {customer} (full name), {first_name}, {agent} (agent first name), {product}
# (the customer's product or a generic name), {serial}, {order}, {amount}, {date}, {city}, {number}.
# Weight = how often the topic occurs; priorities = weights of low/normal/high/urgent.

TOPICS = (
    {
        "key": "box_down", "team": "tech", "type": "incident", "families": (F_BOX,), "weight": 10,
        "priorities": (5, 45, 35, 15), "tags": ("box-internet", "panne", "fibre"),
        "generic_product": "box internet",
        "subjects": (
            "Plus d'internet depuis {date}",
            "Box internet : voyant rouge et aucune connexion",
            "Coupure fibre totale depuis ce matin",
            "Connexion internet qui coupe toutes les 10 minutes",
            "Box {product} ne se synchronise plus",
        ),
        "open": (
            "Bonjour,\n\nDepuis {date}, je n'ai plus du tout d'internet. Le voyant de ma {product} clignote en rouge. "
            "J'ai déjà débranché et rebranché la box, sans résultat. Je télétravaille, c'est très urgent pour moi.\n\n"
            "Merci de votre aide,\n{customer}",
            "Bonjour, la connexion coupe plusieurs fois par heure depuis quelques jours. Le voyant « fibre » s'éteint "
            "puis se rallume. Pouvez-vous vérifier la ligne ?\n{customer}",
            "Bonjour,\nPlus de connexion internet ni de téléphone fixe depuis hier soir. Mes voisins ont le même "
            "problème, y a-t-il une panne dans le quartier ({city}) ?\nCordialement,\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nMerci pour votre message. J'ai lancé un diagnostic à distance de votre ligne : la "
            "box ne remonte plus de signal optique. Pouvez-vous vérifier que le câble fibre est bien branché sur le "
            "boîtier mural (PTO) et qu'il n'est pas plié ?\n\nBien cordialement,\n{agent}, Support Technique",
            "Bonjour {customer},\n\nUn incident est en cours sur le réseau de votre secteur ; nos équipes techniques "
            "sont mobilisées et le rétablissement est prévu dans la journée. Je reste attentif à votre dossier.\n\n"
            "Cordialement,\n{agent}",
            "Bonjour {customer},\n\nJe constate de nombreuses désynchronisations sur votre ligne. Pouvez-vous "
            "réinitialiser la box (bouton « reset » 10 secondes) puis me dire si le voyant repasse au blanc ?\n\n{agent}",
        ),
        "follow": (
            "Le câble était bien branché. J'ai fait la réinitialisation mais le voyant reste rouge.",
            "C'est revenu ce matin mais ça a encore coupé deux fois cet après-midi.",
            "Merci, je vous confirme que tout fonctionne à nouveau.",
        ),
        "resolution": (
            "Bonjour {customer},\n\nLe technicien est intervenu sur le point de branchement de votre immeuble : une "
            "fibre était endommagée. Votre ligne est de nouveau synchronisée. Je clôture la demande, n'hésitez pas à "
            "nous recontacter si besoin.\n\n{agent}",
            "Bonjour {customer},\n\nL'incident réseau est résolu depuis 14h. En compensation, un avoir de 10 € sera "
            "déduit de votre prochaine facture.\n\nBonne journée,\n{agent}",
            "Bonjour {customer},\n\nSuite à la réinitialisation et au remplacement du câble, la ligne est stable depuis "
            "48 h. Je passe la demande en résolu.\n\n{agent}",
        ),
        "notes": (
            "Diagnostic ligne : perte de signal optique (-35 dBm). Ticket ouvert chez l'opérateur d'infrastructure.",
            "Incident collectif INC-{serial} en cours sur le NRO, rattacher le ticket.",
            "Client en télétravail, rappeler dès rétablissement.",
        ),
        "third_party": "Dossier transmis à l'opérateur d'infrastructure, intervention en attente de créneau.",
        "subjects_en": ("No internet connection since {date}", "Fibre connection keeps dropping"),
        "open_en": (
            "Hello,\n\nMy internet has been down since {date}. The light on my {product} is red. I already restarted "
            "it. Could you please help? I work from home.\n\nThanks,\n{customer}",
        ),
    },
    {
        "key": "wifi_slow", "team": "tech", "type": "incident", "families": (F_BOX,), "weight": 7,
        "priorities": (20, 60, 18, 2), "tags": ("wifi", "box-internet"),
        "generic_product": "box internet",
        "subjects": (
            "Wi-Fi très lent dans les chambres",
            "Débit Wi-Fi bien inférieur au débit annoncé",
            "Le répéteur Mesh ne se connecte pas à la box",
            "Déconnexions Wi-Fi fréquentes sur tous les appareils",
        ),
        "open": (
            "Bonjour,\nLe débit en Wi-Fi est catastrophique à l'étage (moins de 5 Mb/s) alors qu'en filaire j'ai bien "
            "900 Mb/s. Que puis-je faire ?\n{customer}",
            "Bonjour, j'ai acheté un répéteur Mesh mais impossible de l'appairer avec ma {product}, la LED reste "
            "orange. Merci de m'indiquer la marche à suivre.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nPour améliorer la couverture, je vous conseille de placer la box en hauteur, loin "
            "des murs porteurs, et d'activer le mode Wi-Fi 6 dans l'interface (http://192.168.1.1, onglet Wi-Fi). "
            "Notre article « Améliorer la portée et le débit de votre Wi-Fi » détaille les étapes.\n\n{agent}",
            "Bonjour {customer},\n\nPour appairer le répéteur : appuyez 2 secondes sur le bouton WPS de la box, puis "
            "dans les 2 minutes sur celui du répéteur. La LED doit passer au blanc fixe. Pouvez-vous essayer ?\n\n{agent}",
        ),
        "follow": (
            "J'ai changé le canal Wi-Fi et c'est un peu mieux, mais toujours lent dans la chambre du fond.",
            "L'appairage WPS a fonctionné, merci !",
            "Pouvez-vous m'envoyer un technicien ? Je ne suis pas à l'aise avec ces réglages.",
        ),
        "resolution": (
            "Bonjour {customer},\n\nRavi que l'appairage ait fonctionné. Votre réseau Mesh est maintenant optimisé. "
            "Bonne journée,\n{agent}",
            "Bonjour {customer},\n\nJ'ai mis à jour à distance le micrologiciel de votre box et activé l'équilibrage "
            "de bandes. Les mesures montrent désormais plus de 300 Mb/s à l'étage.\n\n{agent}",
        ),
        "notes": ("Firmware box en 2.1.4, mise à jour 2.2.0 poussée à distance.", "Proposer le répéteur Mesh M2 à -20 %."),
        "third_party": "Intervention d'un technicien à domicile demandée au prestataire.",
        "subjects_en": ("Very slow Wi-Fi upstairs",),
        "open_en": ("Hello, the Wi-Fi is very slow in the bedrooms even though the wired speed is fine. Any advice?\n{customer}",),
    },
    {
        "key": "box_install", "team": "n1", "type": "request", "families": (F_BOX,), "weight": 5,
        "priorities": (20, 65, 15, 0), "tags": ("installation", "rendez-vous", "fibre"),
        "generic_product": "box internet",
        "subjects": (
            "Rendez-vous de raccordement fibre à déplacer",
            "Technicien non venu au rendez-vous d'installation",
            "Installation de ma nouvelle box",
            "Déménagement : transfert de ma ligne internet à {city}",
        ),
        "open": (
            "Bonjour,\nMon rendez-vous de raccordement est prévu le {date} mais je ne serai pas disponible. Est-il "
            "possible de le décaler à la semaine suivante ?\nMerci,\n{customer}",
            "Bonjour, j'ai attendu toute la matinée le technicien prévu pour l'installation de la fibre et personne "
            "n'est venu, sans aucun appel. C'est la deuxième fois !\n{customer}",
            "Bonjour,\nJe déménage à {city} le mois prochain. Comment transférer mon abonnement internet ?\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nJe vous propose les créneaux suivants : mardi 9h-12h ou jeudi 14h-17h. Lequel vous "
            "convient ?\n\nCordialement,\n{agent}",
            "Bonjour {customer},\n\nJe suis sincèrement désolé pour ce rendez-vous manqué. J'ai signalé l'absence au "
            "prestataire et je vous recontacte dès qu'un nouveau créneau prioritaire est confirmé.\n\n{agent}",
            "Bonjour {customer},\n\nPour un déménagement, il suffit de nous indiquer votre nouvelle adresse et la date "
            "souhaitée ; nous vérifions l'éligibilité fibre et planifions le raccordement.\n\n{agent}",
        ),
        "follow": (
            "Le jeudi après-midi me convient parfaitement.",
            "Voici ma nouvelle adresse : 12 rue des Lilas, {city}. Date souhaitée : le {date}.",
            "Toujours aucune nouvelle du technicien...",
        ),
        "resolution": (
            "Bonjour {customer},\n\nVotre rendez-vous est confirmé. Vous recevrez un SMS de rappel la veille.\n\n{agent}",
            "Bonjour {customer},\n\nLe raccordement à votre nouvelle adresse est planifié, et les frais de mise en "
            "service vous sont offerts.\n\nBon déménagement,\n{agent}",
        ),
        "notes": ("Geste commercial : frais de mise en service offerts (validé par le responsable).",),
        "third_party": "Attente de confirmation du créneau par le sous-traitant d'installation.",
    },
    {
        "key": "tv_decoder", "team": "tech", "type": "incident", "families": (F_TV,), "weight": 4,
        "priorities": (20, 60, 18, 2), "tags": ("tv", "panne"),
        "generic_product": "décodeur TV",
        "subjects": (
            "Décodeur TV : écran noir « pas de signal »",
            "Chaînes du bouquet ciné indisponibles",
            "Télécommande du décodeur ne répond plus",
            "Image qui se fige sur certaines chaînes",
        ),
        "open": (
            "Bonjour,\nDepuis hier soir mon téléviseur affiche « pas de signal » alors que le décodeur est allumé. "
            "Pouvez-vous m'aider ?\n{customer}",
            "Bonjour, je paie l'option ciné séries mais les chaînes affichent « non abonné » depuis le début du mois.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVérifiez que le câble HDMI est branché sur la bonne entrée du téléviseur (touche "
            "« Source »), puis redémarrez le décodeur en le débranchant 30 secondes.\n\n{agent}",
            "Bonjour {customer},\n\nJ'ai renvoyé les droits de votre option vers le décodeur. Les chaînes devraient "
            "être disponibles sous 15 minutes après un redémarrage.\n\n{agent}",
        ),
        "follow": ("C'était la source HDMI, merci et désolé !", "Toujours « non abonné » après redémarrage."),
        "resolution": (
            "Bonjour {customer},\n\nParfait, bonne soirée télé !\n\n{agent}",
            "Bonjour {customer},\n\nLe décodeur défectueux est remplacé : le nouveau vous est expédié avec une "
            "étiquette de retour pour l'ancien.\n\n{agent}",
        ),
        "notes": ("Droits TV renvoyés, carte d'accès OK.",),
        "third_party": "Échange du décodeur demandé à la logistique.",
    },
    {
        "key": "phone_broken", "team": "n1", "type": "incident", "families": (F_PHONE, F_TABLET), "weight": 8,
        "priorities": (10, 60, 25, 5), "tags": ("sav", "casse", "garantie"),
        "generic_product": "smartphone",
        "subjects": (
            "Écran cassé sur mon {product}",
            "Mon téléphone ne s'allume plus",
            "{product} : écran qui clignote, prise en charge garantie ?",
            "Demande de réparation pour mon {product}",
        ),
        "open": (
            "Bonjour,\nMon {product} (n° de série {serial}) est tombé et l'écran est fissuré. Est-ce couvert par la "
            "garantie ? Sinon combien coûte la réparation ?\n{customer}",
            "Bonjour, mon {product} ne s'allume plus du tout depuis ce matin, même branché sur secteur. Il a moins d'un "
            "an. Que dois-je faire ?\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nLa casse accidentelle n'est pas couverte par la garantie légale, mais nous pouvons "
            "vous proposer une réparation en atelier agréé pour 129 € (écran d'origine, délai 5 jours ouvrés). "
            "Souhaitez-vous un bon de prise en charge ?\n\n{agent}",
            "Bonjour {customer},\n\nVotre appareil est sous garantie. Je vous envoie par e-mail une étiquette "
            "prépayée : déposez-le dans un point relais, la réparation est gratuite.\n\n{agent}",
        ),
        "follow": (
            "Oui, je veux bien le bon de prise en charge.",
            "J'ai déposé le colis au point relais ce matin.",
            "Combien de temps dure la réparation ? J'ai besoin de mon téléphone pour travailler.",
        ),
        "resolution": (
            "Bonjour {customer},\n\nVotre {product} est réparé et vous a été réexpédié ce jour. Numéro de suivi "
            "transmis par SMS.\n\n{agent}",
            "Bonjour {customer},\n\nL'atelier n'a pas pu réparer l'appareil : il est remplacé par un modèle neuf, "
            "expédié aujourd'hui.\n\n{agent}",
        ),
        "notes": ("Appareil sous garantie jusqu'au {date}, prise en charge validée.", "Prêter un mobile de courtoisie ?"),
        "third_party": "Appareil en atelier de réparation, retour prévu sous 5 jours ouvrés.",
        "subjects_en": ("Cracked screen on my {product}",),
        "open_en": ("Hello, I dropped my {product} and the screen is cracked. Is this covered by the warranty?\n{customer}",),
    },
    {
        "key": "phone_battery", "team": "tech", "type": "incident", "families": (F_PHONE, F_TABLET), "weight": 4,
        "priorities": (25, 60, 15, 0), "tags": ("batterie", "garantie"),
        "generic_product": "smartphone",
        "subjects": (
            "Batterie qui se vide en quelques heures",
            "{product} chauffe et se décharge très vite",
            "Téléphone qui s'éteint à 30 % de batterie",
        ),
        "open": (
            "Bonjour,\nDepuis la dernière mise à jour, la batterie de mon {product} ne tient plus la journée. Il chauffe "
            "même sans l'utiliser.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nPouvez-vous aller dans Réglages > Batterie et m'indiquer l'état de la batterie et "
            "les applications les plus consommatrices ? Un redémarrage après mise à jour aide souvent.\n\n{agent}",
        ),
        "follow": (
            "État de la batterie : 78 %. L'application la plus gourmande est le GPS.",
            "Après redémarrage c'est mieux, je surveille.",
        ),
        "resolution": (
            "Bonjour {customer},\n\nLa capacité de la batterie étant sous le seuil de garantie (80 %), elle sera "
            "remplacée gratuitement. Étiquette de retour envoyée par e-mail.\n\n{agent}",
            "Bonjour {customer},\n\nLe correctif de l'éditeur est disponible : la mise à jour 14.2.1 règle la "
            "surconsommation.\n\n{agent}",
        ),
        "notes": ("Problème connu sur la version 14.2.0, correctif annoncé par le constructeur.",),
        "third_party": "Remplacement de batterie demandé au SAV constructeur.",
    },
    {
        "key": "sim", "team": "n1", "type": "request", "families": (F_SUB, F_PHONE), "weight": 5,
        "priorities": (10, 55, 30, 5), "tags": ("sim", "forfait"),
        "generic_product": "forfait mobile",
        "subjects": (
            "Carte SIM bloquée, code PUK demandé",
            "Activation de l'eSIM impossible",
            "Téléphone volé : suspension de ligne",
            "Portabilité de mon numéro",
        ),
        "open": (
            "Bonjour,\nJ'ai saisi trois fois un mauvais code PIN et mon téléphone demande le code PUK. Où le trouver ?\n{customer}",
            "Bonjour, on m'a volé mon téléphone hier à {city}. Pouvez-vous suspendre ma ligne immédiatement et "
            "m'envoyer une nouvelle carte SIM ?\n{customer}",
            "Bonjour,\nJe n'arrive pas à activer l'eSIM, le QR code indique « code déjà utilisé ».\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVotre code PUK est disponible dans votre espace client, rubrique « Ma ligne ». Pour "
            "des raisons de sécurité je ne peux pas le communiquer par message.\n\n{agent}",
            "Bonjour {customer},\n\nVotre ligne est suspendue depuis {date}. Une nouvelle carte SIM vous est "
            "expédiée sous 48 h ; pensez à porter plainte et à nous transmettre le récépissé pour bloquer l'IMEI.\n\n{agent}",
            "Bonjour {customer},\n\nJ'ai généré un nouveau QR code eSIM, envoyé à votre adresse e-mail. Il est valable "
            "une seule fois.\n\n{agent}",
        ),
        "follow": ("Merci, c'est débloqué.", "Voici le récépissé de plainte en pièce jointe.", "Le nouveau QR code a fonctionné."),
        "resolution": (
            "Bonjour {customer},\n\nTout est en ordre sur votre ligne. Bonne journée !\n\n{agent}",
            "Bonjour {customer},\n\nL'IMEI de l'appareil volé est bloqué et votre nouvelle SIM est active.\n\n{agent}",
        ),
        "notes": ("Identité vérifiée (date de naissance + 4 derniers chiffres IBAN).",),
        "third_party": "Demande de portabilité en attente de l'opérateur donneur.",
        "subjects_en": ("SIM card blocked, asking for PUK code",),
        "open_en": ("Hello, my phone asks for a PUK code after I typed the wrong PIN three times. Where can I find it?\n{customer}",),
    },
    {
        "key": "roaming", "team": "n1", "type": "question", "families": (F_SUB,), "weight": 4,
        "priorities": (35, 55, 10, 0), "tags": ("forfait", "hors-forfait"),
        "generic_product": "forfait mobile",
        "subjects": (
            "Hors-forfait important sur ma dernière facture",
            "Utilisation du forfait au Maroc",
            "Internet mobile ne fonctionne pas à l'étranger",
        ),
        "open": (
            "Bonjour,\nJe pars en vacances à l'étranger le {date}. Mon forfait fonctionne-t-il là-bas, et à quel tarif ?\n{customer}",
            "Bonjour, j'ai {amount} de hors-forfait sur ma facture alors que je n'ai rien fait de particulier. "
            "Pouvez-vous m'expliquer ?\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVotre forfait inclut 25 Go utilisables dans l'Union européenne. Hors UE, des "
            "recharges « Voyage » sont disponibles depuis l'application.\n\n{agent}",
            "Bonjour {customer},\n\nLe hors-forfait correspond à des appels vers des numéros surtaxés. Je vous "
            "propose d'activer le blocage de ces numéros pour éviter que cela se reproduise.\n\n{agent}",
        ),
        "follow": ("Merci pour ces précisions.", "Oui, activez le blocage s'il vous plaît. Et ce montant, je le paie quand même ?"),
        "resolution": (
            "Bonjour {customer},\n\nLe blocage est actif et, à titre exceptionnel, le hors-forfait est remboursé sur "
            "votre prochaine facture.\n\n{agent}",
            "Bonjour {customer},\n\nJe vous souhaite un bon voyage !\n\n{agent}",
        ),
        "notes": ("Premier hors-forfait en 3 ans, geste accordé.",),
        "third_party": "Vérification des CDR demandée au service fraude.",
        "subjects_en": ("Using my plan abroad",),
        "open_en": ("Hello, I am travelling abroad next month. Does my plan work there and how much does it cost?\n{customer}",),
    },
    {
        "key": "washer", "team": "tech", "type": "incident", "families": (F_LARGE,), "weight": 6,
        "priorities": (5, 50, 35, 10), "tags": ("électroménager", "sav", "intervention", "panne"),
        "generic_product": "lave-linge",
        "subjects": (
            "Lave-linge qui fuit pendant l'essorage",
            "{product} affiche le code erreur E21",
            "Le lave-vaisselle ne vidange plus",
            "Le sèche-linge ne chauffe plus",
            "Demande d'intervention SAV à domicile",
        ),
        "open": (
            "Bonjour,\nMon {product} fuit à chaque essorage, il y a de l'eau partout dans la buanderie. Il a été "
            "acheté chez vous il y a quelques mois.\n{customer}",
            "Bonjour, mon {product} s'arrête en cours de cycle avec le code erreur E21. J'ai nettoyé le filtre sans "
            "succès.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nLe code E21 indique un défaut de vidange. Pouvez-vous vérifier que le tuyau "
            "d'évacuation n'est pas plié et nettoyer le filtre de vidange (trappe en bas à droite) ?\n\n{agent}",
            "Bonjour {customer},\n\nVotre appareil est sous garantie : je planifie l'intervention d'un technicien. "
            "Pouvez-vous me donner vos disponibilités cette semaine ?\n\n{agent}",
        ),
        "follow": (
            "J'ai vérifié le tuyau et le filtre, le problème persiste.",
            "Je suis disponible jeudi ou vendredi matin.",
            "Le technicien est passé mais doit commander une pièce.",
        ),
        "resolution": (
            "Bonjour {customer},\n\nLa pompe de vidange a été remplacée lors de l'intervention de ce jour, sans frais "
            "(garantie). N'hésitez pas à nous recontacter.\n\n{agent}",
            "Bonjour {customer},\n\nLe joint de hublot a été changé, la fuite est réparée.\n\n{agent}",
        ),
        "notes": ("Pièce commandée : pompe de vidange réf. PV-2231, délai 5 jours.", "Intervention planifiée avec le réparateur agréé."),
        "third_party": "En attente de la pièce détachée chez le fabricant.",
    },
    {
        "key": "fridge", "team": "tech", "type": "incident", "families": (F_LARGE,), "weight": 3,
        "priorities": (0, 25, 45, 30), "tags": ("électroménager", "sav", "intervention", "panne"),
        "generic_product": "réfrigérateur",
        "subjects": (
            "Réfrigérateur ne refroidit plus, urgent",
            "Congélateur qui givre et fait du bruit",
            "{product} : alarme de température permanente",
        ),
        "open": (
            "Bonjour,\nMon {product} ne refroidit plus depuis cette nuit, la température est à 14 °C. J'ai des "
            "médicaments qui doivent rester au frais, c'est urgent !\n{customer}",
            "Bonjour, le congélateur fait un bruit de claquement et se couvre de givre malgré le No Frost.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nJe comprends l'urgence. J'ai demandé une intervention prioritaire sous 48 h. En "
            "attendant, vérifiez que la grille arrière n'est pas obstruée et que la porte ferme bien.\n\n{agent}",
        ),
        "follow": ("La porte ferme bien, toujours rien.", "Le technicien peut-il venir demain ?"),
        "resolution": (
            "Bonjour {customer},\n\nLe compresseur a été remplacé ce matin. Votre réfrigérateur a retrouvé sa "
            "température normale.\n\n{agent}",
            "Bonjour {customer},\n\nL'appareil n'étant pas réparable, il est échangé à neuf ; livraison et reprise de "
            "l'ancien {date}.\n\n{agent}",
        ),
        "notes": ("Client avec médicaments au frais : priorité haute justifiée.",),
        "third_party": "Intervention prioritaire commandée auprès du réparateur agréé.",
    },
    {
        "key": "oven", "team": "tech", "type": "incident", "families": (F_LARGE,), "weight": 2,
        "priorities": (15, 60, 25, 0), "tags": ("électroménager", "panne"),
        "generic_product": "four",
        "subjects": ("Four bloqué après la pyrolyse", "Code erreur F08 sur le four", "Le four ne chauffe plus"),
        "open": (
            "Bonjour,\nAprès un cycle de pyrolyse, la porte de mon {product} reste verrouillée depuis 5 heures. Que "
            "faire ?\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nCoupez l'alimentation du four au disjoncteur pendant 10 minutes puis remettez-le "
            "sous tension : la porte doit se déverrouiller une fois le four refroidi.\n\n{agent}",
        ),
        "follow": ("Ça a fonctionné, merci beaucoup.", "La porte est toujours bloquée."),
        "resolution": (
            "Bonjour {customer},\n\nParfait, bonne journée.\n\n{agent}",
            "Bonjour {customer},\n\nLe technicien a remplacé la serrure de porte, sous garantie.\n\n{agent}",
        ),
        "notes": ("Défaut serrure connu sur le lot de fabrication 2024-S32.",),
        "third_party": "Pièce serrure commandée au fabricant.",
    },
    {
        "key": "small_appliance", "team": "tech", "type": "incident", "families": (F_SMALL, F_HOME), "weight": 5,
        "priorities": (30, 55, 15, 0), "tags": ("électroménager", "application", "objets-connectés"),
        "generic_product": "aspirateur robot",
        "subjects": (
            "L'aspirateur robot ne se connecte plus à l'application",
            "Machine expresso : le café coule goutte à goutte",
            "{product} ne se recharge plus",
            "Caméra Wi-Fi hors ligne dans l'application",
            "Thermostat connecté : programmation ignorée",
        ),
        "open": (
            "Bonjour,\nDepuis le changement de box, mon {product} n'apparaît plus dans l'application. J'ai essayé de le "
            "réinitialiser, sans succès.\n{customer}",
            "Bonjour, ma {product} ne coule plus qu'au goutte à goutte malgré un détartrage récent.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nL'appareil ne fonctionne qu'en Wi-Fi 2,4 GHz. Si votre nouvelle box diffuse un "
            "réseau unique 2,4/5 GHz, créez un réseau invité 2,4 GHz et relancez l'appairage depuis l'application.\n\n{agent}",
            "Bonjour {customer},\n\nRéglez la mouture sur un cran plus gros et faites un cycle de rinçage du groupe "
            "café (notice p. 24). Dites-moi si cela s'améliore.\n\n{agent}",
        ),
        "follow": ("Avec le réseau invité, l'appairage a marché !", "Aucune amélioration malheureusement."),
        "resolution": (
            "Bonjour {customer},\n\nContent que ce soit réglé. Bonne journée !\n\n{agent}",
            "Bonjour {customer},\n\nL'appareil sera échangé : un coursier passe le récupérer et vous remet le neuf en "
            "même temps.\n\n{agent}",
        ),
        "notes": ("Incompatibilité connue avec le Wi-Fi 7 en bande unifiée.",),
        "third_party": "Échange standard demandé au fabricant.",
        "subjects_en": ("Robot vacuum no longer connects to the app",),
        "open_en": ("Hello, since I changed my router my {product} no longer shows up in the app. Can you help?\n{customer}",),
    },
    {
        "key": "delivery_late", "team": "n1", "type": "question", "families": (F_LARGE, F_PHONE, F_TV, F_SMALL, F_TABLET),
        "weight": 8, "priorities": (10, 60, 25, 5), "tags": ("livraison",),
        "generic_product": "commande",
        "subjects": (
            "Où en est ma commande {order} ?",
            "Livraison prévue le {date} toujours pas reçue",
            "Colis indiqué livré mais jamais reçu",
            "Modifier le créneau de livraison",
        ),
        "open": (
            "Bonjour,\nMa commande {order} devait être livrée le {date} à {city} et je n'ai toujours rien reçu. Le "
            "suivi n'a pas bougé depuis 4 jours.\n{customer}",
            "Bonjour, le suivi indique que mon colis a été livré mais je n'ai rien reçu, ni dans ma boîte aux lettres "
            "ni chez les voisins.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nJ'ai ouvert une enquête auprès du transporteur. Il dispose de 48 h pour localiser "
            "le colis ; je reviens vers vous dès sa réponse.\n\n{agent}",
            "Bonjour {customer},\n\nVotre commande {order} a pris du retard à l'entrepôt : elle est expédiée ce jour, "
            "livraison estimée sous 2 à 3 jours ouvrés.\n\n{agent}",
        ),
        "follow": ("Toujours rien reçu aujourd'hui.", "Colis reçu ce matin, merci.", "C'est inadmissible, j'attends depuis 10 jours."),
        "resolution": (
            "Bonjour {customer},\n\nLe transporteur ayant perdu le colis, nous vous réexpédions votre commande en "
            "livraison express, sans frais.\n\n{agent}",
            "Bonjour {customer},\n\nTant mieux ! Les frais de livraison vous sont remboursés pour le retard.\n\n{agent}",
        ),
        "notes": ("Enquête transporteur ouverte, réf. ENQ-{serial}.", "Colis perdu confirmé par le transporteur."),
        "third_party": "En attente du retour de l'enquête transporteur (48 h).",
        "subjects_en": ("Where is my order {order}?",),
        "open_en": ("Hello, my order {order} was due on {date} and I still haven't received it. Could you check?\n{customer}",),
    },
    {
        "key": "delivery_damaged", "team": "n1", "type": "complaint", "families": (F_LARGE, F_TV, F_SMALL),
        "weight": 3, "priorities": (5, 50, 40, 5), "tags": ("livraison", "casse", "retour", "réclamation"),
        "generic_product": "appareil",
        "subjects": ("Produit livré endommagé", "Téléviseur reçu avec l'écran fissuré", "Colis abîmé à la livraison"),
        "open": (
            "Bonjour,\nJ'ai été livré ce matin mais le {product} a une grosse bosse sur le côté et ne fonctionne pas. "
            "J'ai pris des photos. Je veux un échange rapidement.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nToutes nos excuses. Pouvez-vous nous envoyer les photos du produit et de "
            "l'emballage ? Nous organisons ensuite l'échange à domicile.\n\n{agent}",
        ),
        "follow": ("Voici les photos.", "Quand aura lieu l'échange ?"),
        "resolution": (
            "Bonjour {customer},\n\nL'échange a eu lieu ce jour et un bon d'achat de 30 € vous a été envoyé pour la "
            "gêne occasionnée.\n\n{agent}",
        ),
        "notes": ("Réserves bien notées sur le bon de livraison, recours transporteur possible.",),
        "third_party": "Reprise et échange planifiés avec le transporteur.",
    },
    {
        "key": "return", "team": "n1", "type": "request", "families": (F_PHONE, F_TABLET, F_SMALL, F_TV, F_HOME),
        "weight": 5, "priorities": (30, 60, 10, 0), "tags": ("retour", "remboursement"),
        "generic_product": "article",
        "subjects": (
            "Rétractation : retour de mon {product}",
            "Remboursement non reçu après retour",
            "Demande d'étiquette de retour",
        ),
        "open": (
            "Bonjour,\nJe souhaite exercer mon droit de rétractation pour la commande {order} ({product}), l'article ne "
            "me convient pas. Comment procéder ?\n{customer}",
            "Bonjour, j'ai renvoyé mon {product} il y a trois semaines et je n'ai toujours pas été remboursé de {amount}.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVous disposez de 14 jours après réception. Je vous envoie une étiquette de retour "
            "gratuite ; le remboursement intervient sous 14 jours après réception du colis.\n\n{agent}",
            "Bonjour {customer},\n\nVotre retour a bien été réceptionné le {date}. Je relance le service comptable "
            "pour le remboursement.\n\n{agent}",
        ),
        "follow": ("Merci, colis déposé.", "Toujours pas de remboursement sur mon compte."),
        "resolution": (
            "Bonjour {customer},\n\nLe remboursement de {amount} a été effectué sur votre moyen de paiement ; "
            "comptez 3 à 5 jours selon votre banque.\n\n{agent}",
        ),
        "notes": ("Retour reçu en entrepôt, état conforme.",),
        "third_party": "Remboursement en attente de validation comptable.",
        "subjects_en": ("Return and refund for my {product}",),
        "open_en": ("Hello, I would like to return my {product} (order {order}). How do I proceed?\n{customer}",),
    },
    {
        "key": "invoice_error", "team": "billing", "type": "complaint", "families": (F_SUB, F_BOX), "weight": 7,
        "priorities": (10, 55, 30, 5), "tags": ("facturation", "réclamation"),
        "generic_product": "abonnement",
        "subjects": (
            "Erreur sur ma facture de {month}",
            "Facturé deux fois ce mois-ci",
            "Promotion non appliquée sur ma facture",
            "Montant de la facture en hausse sans explication",
        ),
        "open": (
            "Bonjour,\nMa facture de {month} s'élève à {amount} au lieu des 29,99 € habituels. La promotion de 12 mois "
            "n'a pas été appliquée. Merci de corriger.\n{customer}",
            "Bonjour, j'ai été prélevé deux fois de {amount} ce mois-ci. Je demande le remboursement du doublon.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVous avez raison, la remise n'a pas été appliquée suite à un changement d'offre. "
            "J'émets un avoir du montant de la différence, visible sur votre prochaine facture.\n\n{agent}",
            "Bonjour {customer},\n\nJe confirme le double prélèvement, dû à un incident bancaire. Le remboursement du "
            "doublon est lancé.\n\n{agent}",
        ),
        "follow": ("Merci. Et pour les mois précédents ?", "D'accord, j'attends le remboursement."),
        "resolution": (
            "Bonjour {customer},\n\nL'avoir de {amount} est désormais visible dans votre espace client. Je clôture "
            "votre réclamation.\n\n{agent}",
            "Bonjour {customer},\n\nLe remboursement a été viré ce jour.\n\n{agent}",
        ),
        "notes": ("Avoir validé par le responsable facturation.", "Bug de migration d'offre, 312 clients concernés (INC-{serial})."),
        "third_party": "Remboursement soumis à la validation du service comptable.",
        "subjects_en": ("Wrong amount on my {month} invoice",),
        "open_en": ("Hello, my invoice for {month} is {amount}, which is more than usual. Could you explain?\n{customer}",),
    },
    {
        "key": "invoice_copy", "team": "billing", "type": "request", "families": (), "weight": 4,
        "priorities": (55, 45, 0, 0), "tags": ("facture",),
        "generic_product": "abonnement",
        "subjects": ("Demande de duplicata de facture", "Facture au nom de la société", "Attestation de paiement"),
        "open": (
            "Bonjour,\nPouvez-vous m'envoyer la facture de la commande {order} au nom de ma société, pour ma comptabilité ?\n{customer}",
            "Bonjour, j'ai besoin d'une attestation de paiement des 12 derniers mois pour un dossier.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVous trouverez le document demandé en pièce jointe. Toutes vos factures sont aussi "
            "téléchargeables dans l'espace client, rubrique « Mes factures ».\n\n{agent}",
        ),
        "follow": ("Merci beaucoup.",),
        "resolution": ("Bonjour {customer},\n\nAvec plaisir, bonne journée.\n\n{agent}",),
        "notes": ("Duplicata généré depuis l'outil de facturation.",),
        "third_party": "Attestation demandée au service comptable.",
    },
    {
        "key": "payment", "team": "billing", "type": "question", "families": (F_SUB, F_BOX), "weight": 4,
        "priorities": (15, 55, 25, 5), "tags": ("paiement", "facturation"),
        "generic_product": "abonnement",
        "subjects": ("Prélèvement rejeté", "Changer mes coordonnées bancaires", "Ligne suspendue pour impayé"),
        "open": (
            "Bonjour,\nJ'ai reçu un courrier m'indiquant un prélèvement rejeté de {amount}. J'ai changé de banque, "
            "comment mettre à jour mon IBAN ?\n{customer}",
            "Bonjour, ma ligne a été suspendue pour impayé alors que j'ai payé par carte hier.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVous pouvez modifier votre IBAN dans l'espace client, rubrique « Paiement ». Le "
            "montant rejeté sera représenté au prochain prélèvement, sans frais.\n\n{agent}",
            "Bonjour {customer},\n\nJe vois bien votre paiement d'hier. Je lève la suspension : la ligne est rétablie "
            "dans l'heure.\n\n{agent}",
        ),
        "follow": ("C'est fait, merci.", "La ligne fonctionne de nouveau."),
        "resolution": ("Bonjour {customer},\n\nTout est à jour sur votre compte.\n\n{agent}",),
        "notes": ("Frais de rejet annulés (premier incident).",),
        "third_party": "Vérification du paiement auprès de la banque.",
    },
    {
        "key": "plan_change", "team": "billing", "type": "request", "families": (F_SUB, F_BOX), "weight": 4,
        "priorities": (40, 60, 0, 0), "tags": ("forfait",),
        "generic_product": "forfait",
        "subjects": ("Changer de forfait", "Passer à l'offre fibre supérieure", "Ajouter l'option TV"),
        "open": (
            "Bonjour,\nJe souhaite passer à un forfait avec plus de data. Quelles offres me proposez-vous, et y a-t-il "
            "des frais ?\n{customer}",
            "Bonjour, je voudrais ajouter l'option TV ciné séries à mon abonnement.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nLe changement est sans frais et sans réengagement. Je vous propose le forfait 100 Go "
            "5G à 15,99 €/mois. Souhaitez-vous que je l'active dès aujourd'hui ?\n\n{agent}",
        ),
        "follow": ("Oui, allez-y.", "Je vais réfléchir, merci."),
        "resolution": ("Bonjour {customer},\n\nC'est fait : votre nouvelle offre est active depuis ce jour.\n\n{agent}",),
        "notes": ("Client éligible à l'offre de fidélité -5 €/mois pendant 12 mois.",),
        "third_party": "Activation de l'option en attente du fournisseur de contenus.",
    },
    {
        "key": "cancel", "team": "billing", "type": "request", "families": (F_SUB, F_BOX), "weight": 4,
        "priorities": (20, 60, 20, 0), "tags": ("résiliation",),
        "generic_product": "abonnement",
        "subjects": ("Demande de résiliation", "Résiliation suite à déménagement", "Frais de résiliation contestés"),
        "open": (
            "Bonjour,\nJe souhaite résilier mon abonnement {product}. Pouvez-vous m'indiquer la procédure et les "
            "éventuels frais ?\n{customer}",
            "Bonjour, je conteste les frais de résiliation de {amount} : j'ai déménagé dans une zone non éligible.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nNous regrettons votre départ. La résiliation peut se faire depuis l'espace client ; "
            "elle prend effet sous 10 jours. Puis-je savoir ce qui motive votre décision ? Une offre adaptée existe "
            "peut-être.\n\n{agent}",
            "Bonjour {customer},\n\nEn cas de déménagement dans une zone non éligible, les frais de résiliation ne "
            "sont pas dus. Merci de nous transmettre un justificatif de domicile.\n\n{agent}",
        ),
        "follow": ("Je confirme ma demande de résiliation.", "Voici mon justificatif.", "Finalement je reste si vous baissez le prix."),
        "resolution": (
            "Bonjour {customer},\n\nVotre résiliation est enregistrée et les frais annulés. Pensez à renvoyer la box "
            "avec l'étiquette fournie.\n\n{agent}",
            "Bonjour {customer},\n\nMerci de votre fidélité : la remise est appliquée dès la prochaine facture.\n\n{agent}",
        ),
        "notes": ("Proposition de rétention : -30 % pendant 6 mois.", "Client à risque de départ, prévenir le responsable."),
        "third_party": "Attente du retour de la box pour clôturer le compte.",
        "subjects_en": ("Cancel my subscription",),
        "open_en": ("Hello, I am moving back to the UK and would like to cancel my subscription. What is the procedure?\n{customer}",),
    },
    {
        "key": "warranty", "team": "n1", "type": "question", "families": (F_LARGE, F_PHONE, F_TV, F_SMALL, F_TABLET),
        "weight": 4, "priorities": (45, 55, 0, 0), "tags": ("garantie",),
        "generic_product": "appareil",
        "subjects": (
            "Mon {product} est-il encore sous garantie ?",
            "Extension de garantie : que couvre-t-elle ?",
            "Garantie après réparation",
        ),
        "open": (
            "Bonjour,\nJ'ai acheté un {product} chez vous il y a un moment. Est-il encore sous garantie ? N° de série {serial}.\n{customer}",
            "Bonjour, l'extension de garantie 3 ans couvre-t-elle la casse ?\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nVotre appareil est couvert par la garantie légale de conformité jusqu'au {date}. "
            "Elle couvre les pannes, pas la casse accidentelle.\n\n{agent}",
            "Bonjour {customer},\n\nL'extension prolonge la garantie panne du constructeur ; la casse et l'oxydation "
            "ne sont couvertes que par l'assurance « Tranquillité ».\n\n{agent}",
        ),
        "follow": ("Merci pour la réponse claire.",),
        "resolution": ("Bonjour {customer},\n\nJe vous en prie, bonne journée.\n\n{agent}",),
        "notes": ("Date d'achat vérifiée sur la facture d'origine.",),
        "third_party": "Vérification de la garantie constructeur en cours.",
    },
    {
        "key": "account", "team": "n1", "type": "question", "families": (), "weight": 4,
        "priorities": (30, 60, 10, 0), "tags": ("compte-client",),
        "generic_product": "espace client",
        "subjects": (
            "Impossible de me connecter à l'espace client",
            "Mot de passe oublié, e-mail de réinitialisation non reçu",
            "Changer l'adresse e-mail de mon compte",
            "Changement d'adresse postale",
        ),
        "open": (
            "Bonjour,\nJe n'arrive plus à me connecter à mon espace client et je ne reçois pas l'e-mail de "
            "réinitialisation du mot de passe.\n{customer}",
            "Bonjour, je viens de déménager à {city}, merci de mettre à jour mon adresse.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nL'e-mail a pu arriver dans vos indésirables. Je viens d'en renvoyer un ; le lien est "
            "valable 1 heure.\n\n{agent}",
            "Bonjour {customer},\n\nC'est noté, votre adresse est mise à jour pour la facturation et les livraisons.\n\n{agent}",
        ),
        "follow": ("C'était dans les spams, c'est bon merci.",),
        "resolution": ("Bonjour {customer},\n\nParfait, bonne journée !\n\n{agent}",),
        "notes": ("Compte verrouillé après 5 tentatives, déverrouillé.",),
        "third_party": "Demande transmise à l'équipe web pour le compte bloqué.",
        "subjects_en": ("Cannot log in to my account",),
        "open_en": ("Hello, I cannot log in to my customer account and the reset e-mail never arrives.\n{customer}",),
    },
    {
        "key": "complaint", "team": "n1", "type": "complaint", "families": (), "weight": 3,
        "priorities": (0, 40, 45, 15), "tags": ("réclamation", "client-mécontent"),
        "generic_product": "service",
        "subjects": (
            "Réclamation : aucune réponse depuis 3 semaines",
            "Très mécontent du service client",
            "Je demande un geste commercial",
        ),
        "open": (
            "Bonjour,\nC'est mon quatrième message sur le même sujet et personne ne me répond. J'ai dû tout réexpliquer "
            "à chaque appel. Je suis client depuis des années et je songe sérieusement à partir.\n{customer}",
            "Bonjour, après deux interventions ratées et des heures au téléphone, j'estime avoir droit à un geste "
            "commercial.\n{customer}",
        ),
        "agent_first": (
            "Bonjour {customer},\n\nJe vous présente toutes nos excuses. Je reprends personnellement votre dossier et "
            "je vous rappelle demain matin avec une solution.\n\n{agent}",
        ),
        "follow": ("J'attends votre appel.", "Merci pour votre rappel, enfin quelqu'un qui écoute."),
        "resolution": (
            "Bonjour {customer},\n\nComme convenu par téléphone, un avoir de 50 € est appliqué et votre dossier est "
            "suivi par un conseiller dédié.\n\n{agent}",
        ),
        "notes": ("Client détracteur (NPS 2). Rappel du responsable prévu.", "Historique : 3 tickets sur le même sujet."),
        "third_party": "Dossier transmis au service relations clientèle.",
    },
)

# Agent messages that ask for information and leave the ticket waiting on the customer.
ASK_CUSTOMER = (
    "Bonjour {customer},\n\nPour avancer sur votre demande, pouvez-vous me transmettre le numéro de série de "
    "l'appareil et une photo de l'étiquette ?\n\nMerci,\n{agent}",
    "Bonjour {customer},\n\nPouvez-vous me confirmer vos disponibilités pour un rappel cette semaine ?\n\n{agent}",
    "Bonjour {customer},\n\nAvez-vous pu effectuer la manipulation indiquée ? Sans retour de votre part sous 7 jours, "
    "la demande sera clôturée automatiquement.\n\n{agent}",
    "Bonjour {customer},\n\nMerci de nous envoyer une copie de la facture d'achat afin de vérifier la garantie.\n\n{agent}",
)
CUSTOMER_CHASERS = (
    "Bonjour, je n'ai toujours pas de réponse à ma demande. Pouvez-vous me tenir informé ?",
    "Je me permets de relancer : le problème n'est toujours pas réglé.",
    "Bonjour, des nouvelles de mon dossier ?",
)
GENERIC_NOTES = (
    "Client rappelé, messagerie. Nouvel essai demain.",
    "Vu avec le N2, procédure standard.",
    "Attention : client déjà contacté deux fois cette semaine.",
    "Pas de souci d'éligibilité, dossier complet.",
)
PHONE_PREFIXES = (
    "Appel entrant. ",
    "Suite à l'appel du client : ",
)

EN_AGENT_FIRST = (
    "Hello {customer},\n\nThank you for contacting us. I have looked into your request and will get back to you "
    "shortly with a solution. Could you confirm the serial number of your {product}?\n\nBest regards,\n{agent}",
    "Hello {customer},\n\nThanks for your message. I have opened a request with the relevant team and will keep you "
    "posted.\n\nKind regards,\n{agent}",
)
EN_FOLLOW = ("Thank you, here is the information you asked for.", "Any news? The problem is still there.")
EN_RESOLUTION = (
    "Hello {customer},\n\nGood news: your request has been handled and everything should now work as expected. Do "
    "not hesitate to contact us again.\n\nBest regards,\n{agent}",
)
EN_ASK = ("Hello {customer},\n\nCould you please send us a copy of your purchase invoice?\n\nThanks,\n{agent}",)

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")

# ---------------------------------------------------------------------------------------------
# Satisfaction surveys and service recovery
# ---------------------------------------------------------------------------------------------

# Of the resolved tickets of consenting customers, the share drawn for a survey (the throttle then
# skips some: the app invites a customer once a week at most), and the share of sent ones answered.
SURVEY_INVITE_SHARE = 0.68
SURVEY_ANSWER_SHARE = 0.4
# The latest unanswered invitations that are answered unhappily in the hours before the seed, so
# that the lead has follow-ups not due yet.
LATEST_UNHAPPY_ANSWERS = 3
# The latest past-due follow-ups the lead has not closed yet (flagged overdue).
OVERDUE_FOLLOW_UPS = 3
# Answer distributions, as weights. CSAT 1..5 by kind of ticket; effort 1..7 and NPS 0..10 given
# the CSAT (a happy customer found it easy and recommends us, mostly).
CSAT_WEIGHTS = {
    "usual": (4, 6, 11, 33, 46),
    "slow": (8, 9, 16, 33, 34),  # resolved after more than five days
    "complaint": (13, 13, 19, 29, 26),
}
EFFORT_WEIGHTS = {
    5: (55, 30, 10, 3, 1, 1, 0),
    4: (25, 40, 22, 8, 3, 1, 1),
    3: (5, 15, 30, 30, 12, 5, 3),
    2: (2, 5, 10, 20, 25, 23, 15),
    1: (1, 2, 5, 12, 20, 30, 30),
}
NPS_WEIGHTS = {
    5: (0, 0, 0, 0, 0, 0, 1, 3, 12, 34, 50),
    4: (0, 0, 0, 0, 1, 2, 6, 22, 35, 23, 11),
    3: (1, 1, 2, 4, 8, 14, 20, 25, 15, 7, 3),
    2: (8, 10, 14, 16, 14, 14, 10, 7, 4, 2, 1),
    1: (20, 18, 15, 13, 10, 9, 7, 4, 2, 1, 1),
}
# Share of answers with a comment, by CSAT (the unhappy say why).
COMMENT_SHARE = {1: 0.85, 2: 0.75, 3: 0.5, 4: 0.3, 5: 0.4}
SURVEY_COMMENTS = {
    "good": (
        "Très bon accueil, problème réglé en un appel.",
        "Conseiller à l'écoute et efficace, merci !",
        "Rapide et clair, rien à redire.",
        "Merci à {agent} pour sa patience.",
        "Solution trouvée du premier coup, bravo.",
        "Suivi impeccable, j'ai été tenu informé à chaque étape.",
        "Très satisfait, je recommande.",
        "Réponse rapide, même un samedi.",
    ),
    "mixed": (
        "Problème réglé mais il a fallu relancer.",
        "Correct, mais l'attente au téléphone était longue.",
        "Bonne réponse, un peu lente à venir.",
        "On m'a demandé plusieurs fois les mêmes informations.",
        "Résolu, mais j'aurais aimé être rappelé comme promis.",
    ),
    "bad": (
        "Trois appels pour le même problème, personne ne lit l'historique.",
        "Toujours pas de solution, je suis très déçu.",
        "Délai beaucoup trop long, on m'avait promis 48 h.",
        "Personne ne m'a rappelé alors que c'était promis.",
        "Réponse toute faite qui ne correspond pas à ma demande.",
        "Je dois tout réexpliquer à chaque contact, c'est épuisant.",
        "Remboursement toujours pas reçu, je vais résilier.",
    ),
}
SURVEY_COMMENTS_EN = {
    "good": (
        "Quick and friendly, solved on the first call.",
        "Thanks to {agent}, very helpful.",
        "Clear answer, nothing to add.",
    ),
    "mixed": (
        "Solved in the end, but I had to chase you.",
        "Fine, though the wait on the phone was long.",
    ),
    "bad": (
        "Still not fixed and nobody called me back.",
        "I had to explain everything again every time.",
        "Far too slow, I was promised 48 hours.",
    ),
}
# Outcome weights of the closed follow-ups, and the lead's notes for each outcome.
FOLLOW_UP_OUTCOME_WEIGHTS = (("called_back", 50), ("commercial_gesture", 20), ("no_answer", 18), ("other", 12))
FOLLOW_UP_NOTES = {
    "called_back": (
        "Client rappelé : excuses présentées, le problème est bien réglé depuis. Satisfait du rappel.",
        "Échange de 10 min, le client voulait surtout être entendu. Point de vigilance noté sur sa fiche.",
        "Rappelé : un technicien repasse jeudi pour vérifier l'installation.",
        "Client rappelé, explication du délai (pièce en rupture). Il accepte, suivi personnel jusqu'à la livraison.",
    ),
    "commercial_gesture": (
        "Avoir de 20 € sur la prochaine facture, accepté par le client.",
        "Un mois d'abonnement offert pour la gêne occasionnée.",
        "Frais de retour remboursés et geste de 30 €, le client remercie.",
    ),
    "no_answer": (
        "Trois essais sans réponse, message laissé et e-mail envoyé.",
        "Messagerie pleine, e-mail d'excuses envoyé avec la ligne directe du responsable.",
        "Pas joignable, SMS envoyé pour proposer un créneau de rappel.",
    ),
    "other": (
        "Réponse écrite envoyée : le client préfère être contacté par e-mail.",
        "Dossier transmis au service commercial pour une proposition de reprise.",
        "Le client a déjà rappelé la hotline entre-temps, problème réglé par Léa.",
    ),
}

# ---------------------------------------------------------------------------------------------
# Knowledge base
# ---------------------------------------------------------------------------------------------

# (slug, name, parent slug or None, position)
ARTICLE_CATEGORIES = (
    ("internet-tv", "Internet & TV", None, 1),
    ("box-internet", "Box internet", "internet-tv", 1),
    ("wifi", "Wi-Fi", "internet-tv", 2),
    ("television", "Télévision", "internet-tv", 3),
    ("mobile", "Mobile & tablettes", None, 2),
    ("smartphones", "Smartphones et tablettes", "mobile", 1),
    ("forfaits-sim", "Forfaits et cartes SIM", "mobile", 2),
    ("electromenager", "Électroménager", None, 3),
    ("gros-electromenager", "Gros électroménager", "electromenager", 1),
    ("petit-electromenager", "Petit électroménager et maison connectée", "electromenager", 2),
    ("compte-facturation", "Compte & facturation", None, 4),
    ("factures-paiement", "Factures et paiement", "compte-facturation", 1),
    ("abonnement", "Abonnement et résiliation", "compte-facturation", 2),
    ("espace-client", "Espace client", "compte-facturation", 3),
    ("commandes", "Commandes, livraison & SAV", None, 5),
    ("livraison", "Livraison", "commandes", 1),
    ("retours", "Retours et remboursements", "commandes", 2),
    ("garantie-sav", "Garantie et SAV", "commandes", 3),
    ("procedures-internes", "Procédures internes", None, 9),
)

# Each article: slug, category, family or None, skus (the products it is about: linked to the article,
# and the models of its product-specific variants), tags, internal flag, French title/intro/steps/tip,
# and optionally the English translation (title, intro, steps).
ARTICLES = (
    {
        "slug": "redemarrer-reinitialiser-box", "skus": ("BOX-FIBRA-X200", "BOX-FIBRA-X300", "BOX-LITE-VDSL"),
        "category": "box-internet", "family": F_BOX,
        "tags": ("box-internet", "panne"),
        "title": "Redémarrer et réinitialiser votre box internet",
        "intro": "La plupart des coupures se règlent par un simple redémarrage. La réinitialisation, elle, remet la "
                 "box dans sa configuration d'usine : vos réglages Wi-Fi personnalisés seront perdus.",
        "steps": ("Débranchez l'alimentation de la box pendant **30 secondes**.",
                  "Rebranchez-la et attendez que le voyant passe au **blanc fixe** (3 à 5 minutes).",
                  "Si la connexion ne revient pas, appuyez 10 secondes sur le bouton **Reset** avec un trombone.",
                  "Reconnectez vos appareils avec la clé Wi-Fi inscrite sous la box."),
        "tip": "Évitez de réinitialiser la box pendant une mise à jour (voyant orange clignotant).",
        "en": ("Restart and reset your internet box",
               "Most outages are fixed by a simple restart. A reset restores factory settings: your custom Wi-Fi "
               "settings will be lost.",
               ("Unplug the box for **30 seconds**.", "Plug it back in and wait for a **steady white** light.",
                "If the connection does not come back, press **Reset** for 10 seconds.",
                "Reconnect your devices with the Wi-Fi key printed under the box.")),
    },
    {
        "slug": "voyants-box", "skus": ("BOX-FIBRA-X200", "BOX-FIBRA-X300", "BOX-LITE-VDSL"),
        "category": "box-internet", "family": F_BOX, "tags": ("box-internet",),
        "title": "Que signifient les voyants de votre box ?",
        "intro": "Le voyant en façade indique l'état de votre connexion.",
        "steps": ("**Blanc fixe** : tout fonctionne.", "**Blanc clignotant** : la box démarre ou se met à jour.",
                  "**Rouge fixe** : pas de signal fibre, vérifiez le câble optique.",
                  "**Orange** : problème d'authentification, redémarrez la box."),
        "tip": "Une photo du voyant jointe à votre demande accélère le diagnostic.",
        "table": "| Voyant | Signification |\n|---|---|\n| Blanc | Connecté |\n| Rouge | Pas de signal |\n"
                 "| Orange | Authentification |",
        "en": ("What do the lights on your box mean?", "The front light shows the state of your connection.",
               ("**Steady white**: everything works.", "**Red**: no fibre signal, check the optical cable.",
                "**Orange**: authentication issue, restart the box.")),
    },
    {
        "slug": "ameliorer-wifi", "skus": ("BOX-FIBRA-X200", "BOX-FIBRA-X300", "BOX-LITE-VDSL") + ("REP-WIFI-MESH-M2",),
        "category": "wifi", "family": F_BOX, "tags": ("wifi",),
        "title": "Améliorer la portée et le débit de votre Wi-Fi",
        "intro": "Le Wi-Fi traverse mal les murs épais, les meubles métalliques et les aquariums.",
        "steps": ("Placez la box **en hauteur**, au centre du logement.",
                  "Éloignez-la du micro-ondes et des téléphones sans fil.",
                  "Dans l'interface de la box, laissez le **choix automatique du canal** activé.",
                  "Pour un grand logement, ajoutez un **répéteur Mesh**."),
        "tip": "Pour les consoles et les téléviseurs, le câble Ethernet reste la meilleure option.",
        "en": ("Improve your Wi-Fi range and speed", "Wi-Fi does not go well through thick walls and metal furniture.",
               ("Place the box **high up**, in the middle of your home.", "Keep it away from the microwave.",
                "Add a **Mesh repeater** for large homes.")),
    },
    {
        "slug": "changer-mot-de-passe-wifi", "skus": ("BOX-FIBRA-X200", "BOX-FIBRA-X300", "BOX-LITE-VDSL"),
        "category": "wifi", "family": F_BOX, "tags": ("wifi",),
        "title": "Changer le nom et le mot de passe de votre réseau Wi-Fi",
        "intro": "Personnaliser votre réseau vous permet de le reconnaître facilement et de le sécuriser.",
        "steps": ("Connectez-vous à l'interface de la box : http://192.168.1.1.",
                  "Ouvrez **Wi-Fi > Paramètres**.", "Modifiez le nom (SSID) et la clé, puis **Enregistrer**.",
                  "Reconnectez chacun de vos appareils avec la nouvelle clé."),
        "tip": "Choisissez une clé d'au moins 12 caractères.",
    },
    {
        "slug": "installer-repeteur-mesh", "skus": ("REP-WIFI-MESH-M2",),
        "category": "wifi", "family": F_BOX, "tags": ("wifi", "installation"),
        "title": "Installer un répéteur Wi-Fi Mesh",
        "intro": "Le répéteur Mesh étend votre réseau sans créer de second nom de réseau.",
        "steps": ("Branchez le répéteur à mi-chemin entre la box et la zone mal couverte.",
                  "Appuyez 2 secondes sur le bouton **WPS** de la box.",
                  "Dans les 2 minutes, appuyez sur le bouton WPS du répéteur.",
                  "Attendez que sa LED passe au **blanc fixe**."),
        "tip": "Le répéteur ne doit pas être placé dans la zone déjà sans signal.",
    },
    {
        "slug": "decodeur-pas-image", "skus": ("DEC-TV-4K", "TV-OLED-55-LUMIO", "TV-LED-43-LUMIO"),
        "category": "television", "family": F_TV, "tags": ("tv", "panne"),
        "title": "Le décodeur TV n'affiche pas d'image",
        "intro": "Un écran noir ou « pas de signal » vient le plus souvent du branchement.",
        "steps": ("Vérifiez que le téléviseur est sur la bonne entrée HDMI (touche **Source**).",
                  "Débranchez le décodeur 30 secondes puis rebranchez-le.",
                  "Essayez un autre câble HDMI ou un autre port."),
        "tip": "Si le décodeur affiche un code erreur, notez-le dans votre demande.",
    },
    {
        "slug": "preparer-raccordement-fibre", "skus": ("BOX-FIBRA-X200", "BOX-FIBRA-X300"),
        "category": "box-internet", "family": F_BOX,
        "tags": ("fibre", "installation", "rendez-vous"),
        "title": "Préparer le rendez-vous de raccordement à la fibre",
        "intro": "Le raccordement dure entre 2 et 4 heures. Quelques vérifications évitent un second déplacement.",
        "steps": ("Repérez le point d'arrivée des câbles téléphoniques dans votre logement.",
                  "Prévenez le syndic ou le gardien si l'accès aux parties communes est fermé.",
                  "Assurez-vous qu'une personne majeure sera présente.",
                  "Dégagez l'accès à la prise téléphonique et aux gaines."),
        "tip": "Vous pouvez déplacer le rendez-vous jusqu'à 48 h avant depuis votre espace client.",
    },
    {
        "slug": "transferer-donnees-smartphone", "skus": ("SMP-NOVA-12", "SMP-NOVA-12P", "SMP-ALTO-A5", "SMP-ALTO-A7", "SMP-NOVA-11-RECO"),
        "category": "smartphones", "family": F_PHONE,
        "tags": ("installation",),
        "title": "Transférer vos données vers votre nouveau smartphone",
        "intro": "Contacts, photos et applications se transfèrent en quelques minutes.",
        "steps": ("Sauvegardez l'ancien téléphone dans votre compte cloud.",
                  "Allumez le nouveau et choisissez **Restaurer depuis une sauvegarde**.",
                  "Gardez les deux téléphones chargés et à proximité.",
                  "Vérifiez vos messageries et applications bancaires avant d'effacer l'ancien."),
        "tip": "Les codes de double authentification doivent souvent être transférés à part.",
        "en": ("Transfer your data to your new smartphone", "Contacts, photos and apps transfer in a few minutes.",
               ("Back up your old phone to your cloud account.", "Choose **Restore from backup** on the new one.",
                "Keep both phones charged and close to each other.")),
    },
    {
        "slug": "batterie-smartphone", "skus": ("SMP-NOVA-12", "SMP-NOVA-12P", "SMP-ALTO-A5", "SMP-ALTO-A7", "SMP-NOVA-11-RECO"),
        "category": "smartphones", "family": F_PHONE, "tags": ("batterie",),
        "title": "Votre smartphone se décharge trop vite",
        "intro": "Une consommation anormale vient souvent d'une application ou d'une mise à jour en cours.",
        "steps": ("Ouvrez **Réglages > Batterie** pour voir les applications les plus gourmandes.",
                  "Redémarrez le téléphone après chaque mise à jour.",
                  "Réduisez la luminosité et désactivez la localisation permanente.",
                  "Si l'état de la batterie est inférieur à 80 %, contactez-nous : elle est peut-être sous garantie."),
        "tip": "Une batterie s'use plus vite si elle est souvent rechargée à 100 % la nuit.",
    },
    {
        "slug": "code-puk", "skus": ("FORF-MOB-100G", "FORF-MOB-5G"),
        "category": "forfaits-sim", "family": F_SUB, "tags": ("sim",),
        "title": "Débloquer votre carte SIM avec le code PUK",
        "intro": "Après trois codes PIN erronés, la carte SIM se bloque et demande le code PUK.",
        "steps": ("Connectez-vous à votre espace client, rubrique **Ma ligne**.",
                  "Cliquez sur **Afficher le code PUK**.",
                  "Saisissez le code PUK puis choisissez un nouveau code PIN."),
        "tip": "Dix codes PUK erronés bloquent définitivement la carte : une nouvelle SIM sera nécessaire.",
        "en": ("Unblock your SIM card with the PUK code", "After three wrong PIN codes, the SIM asks for the PUK code.",
               ("Log in to your customer account, **My line** section.", "Click **Show PUK code**.",
                "Enter the PUK code and choose a new PIN.")),
    },
    {
        "slug": "activer-esim", "skus": ("FORF-MOB-100G",),
        "category": "forfaits-sim", "family": F_SUB, "tags": ("sim",),
        "title": "Activer une eSIM",
        "intro": "L'eSIM remplace la carte physique sur les téléphones compatibles.",
        "steps": ("Commandez l'eSIM depuis votre espace client.",
                  "Scannez le QR code reçu par e-mail depuis **Réglages > Réseau mobile**.",
                  "Redémarrez le téléphone."),
        "tip": "Le QR code ne fonctionne qu'une fois : ne le scannez pas avant d'avoir le bon téléphone en main.",
    },
    {
        "slug": "forfait-etranger", "skus": ("FORF-MOB-100G", "FORF-MOB-5G"),
        "category": "forfaits-sim", "family": F_SUB, "tags": ("forfait", "hors-forfait"),
        "title": "Utiliser votre forfait à l'étranger",
        "intro": "Dans l'Union européenne, votre forfait s'utilise comme en France, dans la limite de l'enveloppe "
                 "Europe indiquée sur votre fiche tarifaire.",
        "steps": ("Activez l'itinérance des données avant le départ.",
                  "Hors Europe, achetez une recharge **Voyage** dans l'application.",
                  "Suivez votre consommation dans l'application pour éviter le hors-forfait."),
        "tip": "Les appels passés depuis un bateau ou un avion sont facturés hors forfait.",
        "en": ("Using your plan abroad", "Within the EU, your plan works as in France within the Europe allowance.",
               ("Turn on data roaming before leaving.", "Outside Europe, buy a **Travel** top-up in the app.",
                "Track your usage in the app.")),
    },
    {
        "slug": "ecran-casse", "skus": ("SMP-NOVA-12", "SMP-NOVA-12P", "SMP-ALTO-A5", "SMP-ALTO-A7", "SMP-NOVA-11-RECO") + ("TAB-NOVA-TAB10", "TAB-KIDS-8"),
        "category": "garantie-sav", "family": F_PHONE, "tags": ("casse", "sav"),
        "title": "Écran cassé : réparation et prise en charge",
        "intro": "La casse accidentelle n'est pas couverte par la garantie légale, mais peut l'être par une "
                 "assurance.",
        "steps": ("Sauvegardez vos données si l'écran fonctionne encore.",
                  "Ouvrez une demande en indiquant le numéro de série.",
                  "Déposez l'appareil en point relais avec l'étiquette fournie.",
                  "Comptez 5 jours ouvrés de réparation."),
        "tip": "Retirez votre carte SIM et désactivez la fonction de localisation avant l'envoi.",
    },
    {
        "slug": "lave-linge-fuite-vidange", "skus": ("LL-8KG-1400",),
        "category": "gros-electromenager", "family": F_LARGE,
        "tags": ("électroménager", "panne"),
        "title": "Votre lave-linge fuit ou ne vidange plus",
        "intro": "Avant de demander une intervention, quelques vérifications simples.",
        "steps": ("Débranchez l'appareil et fermez l'arrivée d'eau.",
                  "Nettoyez le **filtre de vidange** (trappe en bas de la façade).",
                  "Vérifiez que le tuyau d'évacuation n'est ni plié ni bouché.",
                  "Contrôlez l'état du joint de hublot."),
        "tip": "Prévoyez une serpillière et un récipient plat : le filtre contient de l'eau.",
    },
    {
        "slug": "refrigerateur-ne-refroidit-plus", "skus": ("RF-COMBI-340-NF",),
        "category": "gros-electromenager", "family": F_LARGE,
        "tags": ("électroménager", "panne"),
        "title": "Votre réfrigérateur ne refroidit plus",
        "intro": "Une hausse de température peut venir d'une porte mal fermée ou d'une ventilation obstruée.",
        "steps": ("Vérifiez le réglage du thermostat (position 3 à 4 recommandée).",
                  "Assurez-vous que la porte ferme bien et que le joint est propre.",
                  "Dégagez l'arrière de l'appareil (5 cm minimum du mur).",
                  "Si rien ne change en 12 h, contactez-nous : l'intervention est prioritaire."),
        "tip": "Gardez la porte fermée : un réfrigérateur garde le froid environ 4 heures.",
    },
    {
        "slug": "four-codes-erreur", "skus": ("FO-PYRO-70",),
        "category": "gros-electromenager", "family": F_LARGE,
        "tags": ("électroménager",),
        "title": "Codes d'erreur du four encastrable",
        "intro": "Les codes affichés aident à identifier la panne.",
        "steps": ("**F08** : surchauffe, coupez le four 30 minutes.",
                  "**F11** : porte mal verrouillée après pyrolyse.",
                  "**F20** : sonde de température défectueuse, intervention nécessaire."),
        "tip": "Un disjoncteur coupé 10 minutes réinitialise l'électronique du four.",
    },
    {
        "slug": "detartrer-machine-expresso", "skus": ("CAF-EXPRESSO-B2",),
        "category": "petit-electromenager", "family": F_SMALL,
        "tags": ("entretien",),
        "title": "Détartrer votre machine expresso",
        "intro": "Un détartrage tous les 3 mois préserve le goût du café et la durée de vie de la machine.",
        "steps": ("Videz le bac d'égouttage et le réservoir.",
                  "Versez le détartrant dilué dans le réservoir.",
                  "Lancez le programme **Détartrage** (environ 30 minutes).",
                  "Rincez deux fois le réservoir à l'eau claire."),
        "tip": "N'utilisez jamais de vinaigre : il abîme les joints.",
    },
    {
        "slug": "aspirateur-robot-application", "skus": ("ASP-ROBOT-R9", "ASP-ROBOT-R7-RECO"),
        "category": "petit-electromenager", "family": F_SMALL,
        "tags": ("application", "objets-connectés"),
        "title": "Connecter l'aspirateur robot à l'application",
        "intro": "L'aspirateur ne se connecte qu'aux réseaux Wi-Fi 2,4 GHz.",
        "steps": ("Installez l'application et créez un compte.",
                  "Maintenez le bouton **Home** 5 secondes jusqu'au signal sonore.",
                  "Sélectionnez votre réseau 2,4 GHz dans l'application.",
                  "Si votre box n'a qu'un réseau combiné, créez un **réseau invité** 2,4 GHz."),
        "tip": "Placez la base de recharge dans une zone bien couverte par le Wi-Fi.",
    },
    {
        "slug": "installer-thermostat-connecte", "skus": ("THERMO-ECO-PLUS", "CAM-IP-HOME"),
        "category": "petit-electromenager", "family": F_HOME,
        "tags": ("installation", "objets-connectés"),
        "title": "Installer votre thermostat connecté",
        "intro": "L'installation prend une trentaine de minutes et ne nécessite qu'un tournevis.",
        "steps": ("**Coupez le courant** au tableau électrique.",
                  "Retirez l'ancien thermostat et notez le câblage.",
                  "Fixez le socle et raccordez les fils selon le schéma.",
                  "Remettez le courant et suivez l'assistant de l'application."),
        "tip": "En cas de doute sur le câblage, faites appel à un électricien.",
    },
    {
        "slug": "telecharger-factures", "category": "factures-paiement", "family": None, "tags": ("facture",),
        "title": "Télécharger vos factures dans l'espace client",
        "intro": "Vos factures des 24 derniers mois sont disponibles en PDF.",
        "steps": ("Connectez-vous à votre espace client.", "Ouvrez la rubrique **Mes factures**.",
                  "Cliquez sur l'icône de téléchargement à côté de la facture voulue."),
        "tip": "Pour une facture au nom de votre société, indiquez la raison sociale dans votre profil.",
        "en": ("Download your invoices from your account", "Invoices from the last 24 months are available as PDF.",
               ("Log in to your customer account.", "Open **My invoices**.", "Click the download icon.")),
    },
    {
        "slug": "comprendre-facture", "category": "factures-paiement", "family": None, "tags": ("facture", "facturation"),
        "title": "Comprendre votre facture",
        "intro": "Votre facture comprend l'abonnement du mois à venir et les consommations du mois écoulé.",
        "steps": ("**Abonnement** : facturé d'avance, au prorata le premier mois.",
                  "**Hors-forfait** : appels et données au-delà de votre forfait.",
                  "**Remises** : promotions en cours et avoirs."),
        "tip": "Le premier mois est souvent plus élevé à cause du prorata et des frais de mise en service.",
    },
    {
        "slug": "prelevement-rejete", "category": "factures-paiement", "family": None, "tags": ("paiement",),
        "title": "Prélèvement rejeté : que faire ?",
        "intro": "Un rejet de prélèvement entraîne une relance puis, sans régularisation, la suspension du service.",
        "steps": ("Vérifiez que votre IBAN est à jour dans l'espace client.",
                  "Réglez le montant dû par carte bancaire depuis la rubrique **Paiement**.",
                  "Le prochain prélèvement reprendra normalement."),
        "tip": "Le premier rejet est sans frais.",
    },
    {
        "slug": "changer-de-forfait", "skus": ("FORF-MOB-100G", "FORF-MOB-5G") + ("BOX-FIBRA-X200", "BOX-FIBRA-X300"),
        "category": "abonnement", "family": F_SUB, "tags": ("forfait",),
        "title": "Changer de forfait",
        "intro": "Le changement de forfait est gratuit et sans réengagement.",
        "steps": ("Comparez les offres dans **Mon offre > Changer d'offre**.",
                  "Choisissez la date d'effet : immédiate ou au prochain cycle.", "Confirmez."),
        "tip": "Un passage à une offre inférieure prend effet au prochain cycle de facturation.",
    },
    {
        "slug": "resilier-abonnement", "skus": ("FORF-MOB-100G", "FORF-MOB-5G") + ("BOX-FIBRA-X200", "BOX-FIBRA-X300", "BOX-LITE-VDSL"),
        "category": "abonnement", "family": F_SUB, "tags": ("résiliation",),
        "title": "Résilier votre abonnement",
        "intro": "Vous pouvez résilier à tout moment ; des frais peuvent s'appliquer pendant la période d'engagement.",
        "steps": ("Depuis l'espace client, ouvrez **Mon offre > Résilier**.",
                  "La résiliation prend effet sous 10 jours.",
                  "Renvoyez la box et le décodeur avec l'étiquette fournie sous 30 jours."),
        "tip": "En cas de déménagement dans une zone non éligible, les frais de résiliation ne sont pas dus.",
        "en": ("Cancel your subscription", "You can cancel at any time; fees may apply during the commitment period.",
               ("From your account, open **My plan > Cancel**.", "Cancellation takes effect within 10 days.",
                "Return the box with the label provided within 30 days.")),
    },
    {
        "slug": "suivre-livraison", "category": "livraison", "family": None, "tags": ("livraison",),
        "title": "Suivre votre livraison",
        "intro": "Dès l'expédition, vous recevez un e-mail avec le numéro de suivi.",
        "steps": ("Ouvrez **Mes commandes** dans l'espace client.", "Cliquez sur **Suivre le colis**.",
                  "Pour les gros appareils, le transporteur vous appelle la veille pour fixer un créneau."),
        "tip": "Un colis indiqué « livré » mais non reçu doit être signalé sous 48 h.",
        "en": ("Track your delivery", "As soon as your order ships, you receive an e-mail with the tracking number.",
               ("Open **My orders** in your account.", "Click **Track parcel**.")),
    },
    {
        "slug": "colis-endommage", "category": "livraison", "family": None, "tags": ("livraison", "casse"),
        "title": "Colis endommagé à la livraison",
        "intro": "Vérifiez toujours l'état du colis devant le livreur.",
        "steps": ("Notez des **réserves précises** sur le bon de livraison (« carton enfoncé côté gauche »).",
                  "Prenez des photos du colis et du produit.",
                  "Ouvrez une demande sous 48 h avec les photos."),
        "tip": "La mention « sous réserve de déballage » n'a aucune valeur : décrivez le dommage.",
    },
    {
        "slug": "retourner-produit", "category": "retours", "family": None, "tags": ("retour", "remboursement"),
        "title": "Retourner un produit et être remboursé",
        "intro": "Vous disposez de 14 jours après réception pour changer d'avis.",
        "steps": ("Demandez une étiquette de retour depuis **Mes commandes**.",
                  "Emballez le produit complet avec ses accessoires.",
                  "Déposez le colis en point relais.",
                  "Le remboursement intervient sous 14 jours après réception."),
        "tip": "Les produits d'hygiène descellés ne peuvent pas être repris.",
        "en": ("Return a product and get a refund", "You have 14 days after delivery to change your mind.",
               ("Request a return label from **My orders**.", "Pack the product with all its accessories.",
                "Drop the parcel at a pick-up point.")),
    },
    {
        "slug": "garantie-legale-commerciale", "category": "garantie-sav", "family": None, "tags": ("garantie",),
        "title": "Garantie légale de conformité et garantie commerciale",
        "intro": "Tout produit neuf bénéficie de la garantie légale de conformité de **2 ans** ; les produits "
                 "reconditionnés, d'au moins **1 an**.",
        "steps": ("La garantie légale couvre les défauts de conformité et les pannes.",
                  "Elle ne couvre pas la casse accidentelle ni l'oxydation.",
                  "Une réparation sous garantie prolonge celle-ci de 6 mois."),
        "tip": "Conservez votre facture : elle fait foi pour la date d'achat.",
        "en": ("Legal and commercial warranties", "Every new product has a **2-year** legal warranty; refurbished "
               "ones at least **1 year**.",
               ("The legal warranty covers defects and breakdowns.", "It does not cover accidental damage.")),
    },
    {
        "slug": "extension-garantie-3-ans", "skus": ("EXT-GAR-3ANS",),
        "category": "garantie-sav", "family": F_SUB, "tags": ("garantie",),
        "title": "L'extension de garantie 3 ans",
        "intro": "L'extension prolonge la couverture panne au-delà de la garantie légale.",
        "steps": ("Elle se souscrit dans les 30 jours suivant l'achat.",
                  "Elle couvre pièces, main-d'œuvre et déplacement.",
                  "Elle est transférable en cas de revente de l'appareil."),
        "tip": "La casse accidentelle relève de l'assurance, pas de l'extension de garantie.",
    },
    {
        "slug": "mot-de-passe-oublie", "category": "espace-client", "family": None, "tags": ("compte-client",),
        "title": "Mot de passe oublié de l'espace client",
        "intro": "Vous pouvez réinitialiser votre mot de passe à tout moment.",
        "steps": ("Cliquez sur **Mot de passe oublié** sur la page de connexion.",
                  "Saisissez votre adresse e-mail.",
                  "Ouvrez le lien reçu (valable 1 heure) et choisissez un nouveau mot de passe."),
        "tip": "Pensez à vérifier le dossier des courriers indésirables.",
    },
    {
        "slug": "procedure-geste-commercial", "category": "procedures-internes", "family": None,
        "tags": ("geste-commercial",), "internal": True,
        "title": "Procédure : accorder un geste commercial",
        "intro": "Barème des gestes commerciaux autorisés selon le niveau.",
        "steps": ("**Agent N1** : jusqu'à 20 € d'avoir, une fois par client et par an.",
                  "**Agent N2** : jusqu'à 50 €, avec note interne justifiant le geste.",
                  "**Responsable** : au-delà de 50 € ou pour un client VIP.",
                  "Toujours ajouter l'étiquette `geste-commercial` au ticket."),
        "tip": "Un geste n'est jamais promis avant validation quand il dépasse votre niveau.",
    },
    {
        "slug": "procedure-escalade-sav", "category": "procedures-internes", "family": None,
        "tags": ("escalade", "sav"), "internal": True,
        "title": "Procédure : escalader un dossier au SAV constructeur",
        "intro": "À utiliser quand le diagnostic de premier niveau n'a rien donné.",
        "steps": ("Vérifier la garantie (date d'achat, numéro de série).",
                  "Joindre au ticket le diagnostic réalisé et les photos.",
                  "Passer le ticket en **En attente d'un tiers** et ajouter l'étiquette `escalade`.",
                  "Relancer le constructeur si aucune réponse sous 3 jours ouvrés."),
        "tip": "Prévenir le client du délai annoncé par le constructeur.",
    },
    {
        "slug": "procedure-client-mecontent", "category": "procedures-internes", "family": None,
        "tags": ("client-mécontent", "réclamation"), "internal": True,
        "title": "Procédure : rappeler un client mécontent",
        "intro": "Tout client détracteur (NPS de 0 à 6) est rappelé sous 48 h ouvrées.",
        "steps": ("Relire tout l'historique du client avant l'appel : il ne doit rien avoir à répéter.",
                  "Écouter, reformuler, s'excuser pour le ressenti.",
                  "Proposer une solution concrète et un délai.",
                  "Noter le résultat de l'appel en note interne."),
        "tip": "Ne jamais rejeter la faute sur un autre service.",
    },
    {
        "slug": "script-accueil-telephonique", "category": "procedures-internes", "family": None,
        "tags": ("première-demande",), "internal": True,
        "title": "Script d'accueil téléphonique",
        "intro": "La fiche client s'affiche à la sonnerie : utilisez-la.",
        "steps": ("« Bonjour Madame/Monsieur *Nom*, *Prénom* du service client, je vous écoute. »",
                  "Mentionner la demande en cours si le client a un ticket ouvert.",
                  "Reformuler la demande et créer ou mettre à jour le ticket pendant l'appel.",
                  "Conclure par le délai de réponse et le numéro de ticket."),
        "tip": "Vérifier l'identité (date de naissance) avant toute information sur le contrat.",
    },
)
