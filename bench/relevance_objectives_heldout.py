"""A second set of objectives for the relevance benchmark (issue 18), kept apart from tuning.

Written and committed on its own before any run, with other people and other needs than
`relevance_objectives` (same labels, same three styles: plain, keyword-poor, jargon), so that
`bench/relevance.py --objectives relevance_objectives_heldout` tells whether the figures of the
first set carry over to objectives the scorer was never measured on. Nothing is tuned on these:
a change that is measured on them must be measured on the first set too.
"""

from __future__ import annotations

from relevance_objectives import STYLES, Objective

# AG News labels: 1 World, 2 Sports, 3 Business, 4 Sci/Tech.
AG_EN: list[Objective] = [
    (
        "plain",
        "I coordinate logistics for a humanitarian NGO and need news on conflicts, refugees, "
        "disasters and governments in crisis around the world.",
        {"1": 1},
    ),
    (
        "keyword-poor",
        "I decide where our volunteers can safely go next and which places will soon need help.",
        {"1": 1},
    ),
    (
        "jargon",
        "Humanitarian access desk: IDP camps, ceasefire violations, UNHCR appeals, militia "
        "clashes, curfews, peacekeeping mandates, regime change.",
        {"1": 1},
    ),
    (
        "plain",
        "I am a sports physiotherapist and write about athletes, their injuries and comebacks, "
        "and big competitions such as the Olympics and world cups.",
        {"2": 1},
    ),
    (
        "keyword-poor",
        "I like to comment on who is winning and losing on the field each week, and why.",
        {"2": 1},
    ),
    (
        "jargon",
        "Odds compiler: point spreads, over/unders, starting pitchers, QB ratings, seedings, "
        "Ryder Cup pairings, Premier League table.",
        {"2": 1},
    ),
    (
        "plain",
        "I am a financial advisor. I follow company earnings, mergers, stock markets, interest "
        "rates and oil prices for my clients.",
        {"3": 1},
    ),
    (
        "keyword-poor",
        "My clients want to know whether their savings will grow or shrink and what the big "
        "firms are up to.",
        {"3": 1},
    ),
    (
        "jargon",
        "Buy-side analyst: EPS beats, guidance cuts, M&A, IPO pipeline, Fed funds rate, "
        "Treasury yields, crude futures, Chapter 11.",
        {"3": 1},
    ),
    (
        "plain",
        "I recruit software engineers and share news about technology companies, software, "
        "the internet, computers and space research.",
        {"4": 1},
    ),
    (
        "keyword-poor",
        "I want to show candidates that I know what the companies building tomorrow's gadgets "
        "and programs are doing.",
        {"4": 1},
    ),
    (
        "jargon",
        "DevRel lead: Linux kernel, open-source licensing, broadband, chipsets, browser wars, "
        "spam filters, NASA probes, genome sequencing.",
        {"4": 1},
    ),
]

# French objectives over the English AG News items.
AG_FR: list[Objective] = [
    (
        "plain",
        "Je suis journaliste pigiste en politique étrangère : guerres, élections, diplomatie, "
        "attentats et crises internationales.",
        {"1": 1},
    ),
    (
        "keyword-poor",
        "J'aide des expatriés à comprendre ce qui se passe dans leur pays d'accueil et chez "
        "ses voisins.",
        {"1": 1},
    ),
    (
        "jargon",
        "Veille défense et diplomatie : OTAN, Conseil de sécurité, casques bleus, rebelles, "
        "scrutin présidentiel, Moyen-Orient, Irak, Kaboul.",
        {"1": 1},
    ),
    (
        "plain",
        "Je gère la communication d'un club de sport et je partage les résultats, les "
        "transferts et les grandes compétitions : football, tennis, basket, golf, Jeux olympiques.",
        {"2": 1},
    ),
    (
        "keyword-poor",
        "Je veux commenter chaque semaine les exploits et les défaites dont tout le monde parle "
        "au bureau.",
        {"2": 1},
    ),
    (
        "jargon",
        "Agent de joueurs : mercato, Ligue des champions, play-offs NBA, Grand Chelem, records, "
        "médailles, contrats, blessures.",
        {"2": 1},
    ),
    (
        "plain",
        "Conseiller en gestion de patrimoine, je suis la Bourse, les résultats des entreprises, "
        "les fusions, les taux d'intérêt et le pétrole.",
        {"3": 1},
    ),
    (
        "keyword-poor",
        "Mes clients veulent savoir si leur épargne va fondre et ce que préparent les grands "
        "groupes.",
        {"3": 1},
    ),
    (
        "jargon",
        "Analyste financier : BPA, OPA, introductions en Bourse, Fed, rendements obligataires, "
        "baril de Brent, faillites, dividendes.",
        {"3": 1},
    ),
    (
        "plain",
        "Je suis recruteuse IT et je partage l'actualité des entreprises technologiques : "
        "logiciels, internet, ordinateurs, téléphones mobiles et recherche spatiale.",
        {"4": 1},
    ),
    (
        "keyword-poor",
        "Je veux montrer aux candidats que je connais les sociétés qui inventent les outils "
        "de demain.",
        {"4": 1},
    ),
    (
        "jargon",
        "Veille tech : open source, Linux, haut débit, microprocesseurs, navigateurs, virus "
        "informatiques, NASA, génomique.",
        {"4": 1},
    ),
]

# Le Monde sections ("sub:" for the sub-section the need is centred on).
LEMONDE: list[Objective] = [
    (
        "plain",
        "Avocate pénaliste, je commente les affaires judiciaires, les procès, la police et "
        "les prisons.",
        {"societe": 1, "sub:police-justice": 2},
    ),
    (
        "keyword-poor",
        "Je défends des gens qui ont des ennuis avec la loi et je veux parler de ce qui arrive "
        "à d'autres comme eux.",
        {"societe": 1, "sub:police-justice": 2},
    ),
    (
        "jargon",
        "Pénaliste : garde à vue, mise en examen, cour d'assises, parquet, détention "
        "provisoire, CRS, IGPN, non-lieu.",
        {"societe": 1, "sub:police-justice": 2},
    ),
    (
        "plain",
        "Je programme une salle de spectacles : je suis le cinéma, la musique, les concerts, "
        "le théâtre et les expositions.",
        {"culture": 1, "sub:cinema": 2, "sub:musiques": 2},
    ),
    (
        "keyword-poor",
        "Je cherche quoi proposer à mon public le week-end pour le faire sortir de chez lui.",
        {"culture": 1, "sub:cinema": 2, "sub:musiques": 2},
    ),
    (
        "jargon",
        "Programmateur : box-office, sorties en salles, festival de Cannes, César, tournées, "
        "scène, Victoires de la musique, vernissages.",
        {"culture": 1, "sub:cinema": 2, "sub:musiques": 2},
    ),
    (
        "plain",
        "Coach sportif, je publie sur le tennis, le cyclisme, le rugby et les grands "
        "événements sportifs.",
        {"sport": 1, "sub:tennis": 2, "sub:cyclisme": 2},
    ),
    (
        "keyword-poor",
        "Je motive mes clients avec les histoires de ceux qui gagnent ou perdent au plus haut "
        "niveau.",
        {"sport": 1, "sub:tennis": 2, "sub:cyclisme": 2},
    ),
    (
        "jargon",
        "Préparateur physique : Roland-Garros, Tour de France, maillot jaune, Top 14, Coupe "
        "Davis, dopage, classement ATP.",
        {"sport": 1, "sub:tennis": 2, "sub:cyclisme": 2},
    ),
    (
        "plain",
        "Conseillère financière, je parle d'épargne, d'impôts, d'immobilier, de retraite et "
        "d'emploi.",
        {"economie": 1, "sub:argent": 2},
    ),
    (
        "keyword-poor",
        "J'aide des ménages à mieux gérer leur budget et à préparer leurs vieux jours.",
        {"economie": 1, "sub:argent": 2},
    ),
    (
        "jargon",
        "CGP : assurance-vie, PEA, livret A, prélèvement à la source, ISF, taux de crédit "
        "immobilier, SCPI, CSG.",
        {"economie": 1, "sub:argent": 2},
    ),
]

# SIB-200 topics (one sentence per item); SIB_EN also ranks the French items, SIB_FR the English.
SIB_EN: list[Objective] = [
    (
        "plain",
        "I am a pharmacist and share advice about medicines, illnesses, infections, nutrition "
        "and staying healthy.",
        {"health": 1},
    ),
    (
        "keyword-poor",
        "I help people feel better and avoid ending up in a waiting room.",
        {"health": 1},
    ),
    (
        "jargon",
        "Public health officer: epidemics, incidence rates, antibiotics, HIV, malaria, "
        "vaccination coverage, WHO guidelines.",
        {"health": 1},
    ),
    (
        "plain",
        "Science teacher: I share discoveries in physics, chemistry, biology, space and "
        "computers with my students.",
        {"science/technology": 1},
    ),
    (
        "keyword-poor",
        "I want my pupils to be curious about how the world works and what clever people invent.",
        {"science/technology": 1},
    ),
    (
        "jargon",
        "STEM outreach: experiments, molecules, telescopes, satellites, evolution, DNA, "
        "algorithms, quantum.",
        {"science/technology": 1},
    ),
    (
        "plain",
        "Geography teacher: rivers, mountains, climates, countries, volcanoes and populations "
        "around the world.",
        {"geography": 1},
    ),
    (
        "keyword-poor",
        "I explain to children what our planet looks like and why people live where they do.",
        {"geography": 1},
    ),
    (
        "jargon",
        "Cartographer: latitude, plateaus, archipelagos, tectonic plates, deltas, fjords, "
        "population density, continents.",
        {"geography": 1},
    ),
    (
        "plain",
        "I run a cultural blog about films, music, television, celebrities and festivals.",
        {"entertainment": 1},
    ),
    (
        "keyword-poor",
        "I tell my readers what to watch, listen to or go out to in the evening.",
        {"entertainment": 1},
    ),
    (
        "jargon",
        "Entertainment PR: box office, premieres, Grammys, sitcoms, streaming, red carpet, "
        "Broadway, chart toppers.",
        {"entertainment": 1},
    ),
]

SIB_FR: list[Objective] = [
    (
        "plain",
        "Je suis attachée parlementaire et je suis les élections, les gouvernements, les "
        "partis et les lois.",
        {"politics": 1},
    ),
    (
        "keyword-poor",
        "Je veux expliquer à mes abonnés qui décide pour eux et comment ces gens arrivent "
        "au pouvoir.",
        {"politics": 1},
    ),
    (
        "jargon",
        "Conseiller en affaires publiques : scrutin, coalition, Premier ministre, référendum, "
        "opposition, mandat, Parlement.",
        {"politics": 1},
    ),
    (
        "plain",
        "Journaliste sportif : football, athlétisme, cyclisme, Jeux olympiques, records et "
        "champions.",
        {"sports": 1},
    ),
    (
        "keyword-poor",
        "Je raconte les victoires et les défaites qui font vibrer les supporters.",
        {"sports": 1},
    ),
    (
        "jargon",
        "Commentateur : médaille d'or, finale, qualifications, sélection nationale, "
        "entraîneur, championnat du monde, chrono.",
        {"sports": 1},
    ),
    (
        "plain",
        "Je suis guide touristique et je conseille les voyageurs : destinations, hôtels, vols, "
        "visas et visites.",
        {"travel": 1},
    ),
    (
        "keyword-poor",
        "Mes clients veulent partir loin sans mauvaise surprise et profiter au maximum de "
        "leurs congés.",
        {"travel": 1},
    ),
    (
        "jargon",
        "Agent de voyages : circuits, réservations, escales, passeport, croisières, auberges "
        "de jeunesse, décalage horaire.",
        {"travel": 1},
    ),
    (
        "plain",
        "Ingénieure, je partage des découvertes scientifiques : espace, physique, "
        "informatique, biologie et inventions.",
        {"science/technology": 1},
    ),
    (
        "keyword-poor",
        "J'aime montrer comment les chercheurs changent notre quotidien.",
        {"science/technology": 1},
    ),
    (
        "jargon",
        "Veille R&D : satellites, ADN, molécules, robots, énergie nucléaire, laboratoires, "
        "brevets, télescopes.",
        {"science/technology": 1},
    ),
]

__all__ = ["AG_EN", "AG_FR", "LEMONDE", "SIB_EN", "SIB_FR", "STYLES"]
