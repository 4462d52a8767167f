"""Objectives of the relevance benchmark (issue 18), written before any measurement.

Each need is written in three styles, the way users write them:
  plain         a sentence or two about the job and the goal, with the topic's usual words;
  keyword-poor  the need described by its purpose, with few or none of the topic's words;
  jargon        the trade's own vocabulary and abbreviations.

Each objective maps to the dataset labels it wants, with a gain: 1 for the rubric, 2 for the
sub-rubric the need is centred on where the corpus has one (Le Monde's URL sections).

These lists are frozen: they were committed on their own before the first run, and tuning the
scorer against them would make the figures dishonest. Change the method, not the objectives.
"""

from __future__ import annotations

STYLES = ("plain", "keyword-poor", "jargon")

# (style, objective, wanted label -> gain)
Objective = tuple[str, str, dict[str, int]]

# AG News labels: 1 World, 2 Sports, 3 Business, 4 Sci/Tech.
AG_EN: list[Objective] = [
    (
        "plain",
        "I am a geopolitical risk analyst. I advise companies with staff abroad and follow "
        "wars, elections, diplomacy and terrorism around the world.",
        {"1": 1},
    ),
    (
        "keyword-poor",
        "I help families and firms decide whether it is a good idea to send people to a "
        "given country next month.",
        {"1": 1},
    ),
    (
        "jargon",
        "Country-risk desk: sanctions regimes, ceasefire talks, coups, insurgencies, UN "
        "Security Council resolutions, bilateral summits, hostage crises.",
        {"1": 1},
    ),
    (
        "plain",
        "I run the social media of a sports bar: match results, players, coaches and "
        "transfers in football, baseball, basketball, tennis and golf.",
        {"2": 1},
    ),
    (
        "keyword-poor",
        "Our customers come in to watch the big games on the screens and argue about who "
        "will win; I want what they will be talking about this weekend.",
        {"2": 1},
    ),
    (
        "jargon",
        "Fantasy league commissioner: box scores, injured reserve, free agency, playoff "
        "seeding, MVP race, Grand Slam draws, NFL, NBA and MLB trades.",
        {"2": 1},
    ),
    (
        "plain",
        "Independent financial advisor: I comment on the stock market, company earnings, "
        "mergers, oil prices, interest rates and the economy for my clients.",
        {"3": 1},
    ),
    (
        "keyword-poor",
        "My clients want to know whether their savings are safe and what the big firms "
        "they have put money into are up to.",
        {"3": 1},
    ),
    (
        "jargon",
        "Buy-side analyst: quarterly EPS beats and misses, guidance, M&A, IPOs, the Fed's "
        "rate path, crude futures, SEC filings, Chapter 11 restructurings.",
        {"3": 1},
    ),
    (
        "plain",
        "Software engineer and tech blogger: new software and hardware, internet companies, "
        "computer security, mobile phones, space and science discoveries.",
        {"4": 1},
    ),
    (
        "keyword-poor",
        "I write for curious readers who like to know what the clever people in labs and "
        "in Silicon Valley have come up with lately.",
        {"4": 1},
    ),
    (
        "jargon",
        "CTO newsletter: zero-day exploits, patches, open source, Linux, broadband, VoIP, "
        "Wi-Fi, chipmakers, NASA missions, genome research.",
        {"4": 1},
    ),
]

# The same needs, written by French-speaking users who read English sources.
AG_FR: list[Objective] = [
    (
        "plain",
        "Je suis analyste en risques géopolitiques. Je conseille des entreprises qui ont du "
        "personnel à l'étranger et je suis les guerres, les élections, la diplomatie et le "
        "terrorisme dans le monde.",
        {"1": 1},
    ),
    (
        "keyword-poor",
        "J'aide des familles et des entreprises à décider s'il est raisonnable d'envoyer "
        "quelqu'un dans tel ou tel pays le mois prochain.",
        {"1": 1},
    ),
    (
        "jargon",
        "Cellule risque pays : régimes de sanctions, négociations de cessez-le-feu, coups "
        "d'État, insurrections, résolutions du Conseil de sécurité, sommets bilatéraux, "
        "prises d'otages.",
        {"1": 1},
    ),
    (
        "plain",
        "Je gère les réseaux sociaux d'un bar sportif : résultats des matchs, joueurs, "
        "entraîneurs et transferts en football, baseball, basket, tennis et golf.",
        {"2": 1},
    ),
    (
        "keyword-poor",
        "Nos clients viennent regarder les grandes rencontres sur écran géant et parient "
        "sur le vainqueur ; je veux ce dont ils parleront ce week-end.",
        {"2": 1},
    ),
    (
        "jargon",
        "Animateur de ligue fantasy : feuilles de match, blessés, agents libres, têtes de "
        "série des play-offs, course au titre de MVP, tableaux du Grand Chelem, échanges NFL, "
        "NBA et MLB.",
        {"2": 1},
    ),
    (
        "plain",
        "Conseiller en gestion de patrimoine indépendant : je commente la bourse, les "
        "résultats des entreprises, les fusions, le prix du pétrole, les taux d'intérêt et "
        "l'économie pour mes clients.",
        {"3": 1},
    ),
    (
        "keyword-poor",
        "Mes clients veulent savoir si leur épargne est en sécurité et ce que font les "
        "grands groupes dans lesquels ils ont placé leur argent.",
        {"3": 1},
    ),
    (
        "jargon",
        "Analyste buy-side : BPA trimestriel au-dessus ou en dessous du consensus, "
        "guidance, fusions-acquisitions, introductions en bourse, trajectoire des taux de la "
        "Fed, contrats à terme sur le brut, dépôts auprès de la SEC, procédures de faillite.",
        {"3": 1},
    ),
    (
        "plain",
        "Ingénieur logiciel et blogueur tech : nouveaux logiciels et matériels, entreprises "
        "de l'internet, sécurité informatique, téléphones mobiles, espace et découvertes "
        "scientifiques.",
        {"4": 1},
    ),
    (
        "keyword-poor",
        "J'écris pour des lecteurs curieux qui aiment savoir ce que les gens brillants des "
        "laboratoires et de la Silicon Valley ont inventé ces derniers temps.",
        {"4": 1},
    ),
    (
        "jargon",
        "Lettre d'un DSI : failles zero-day, correctifs, open source, Linux, haut débit, "
        "VoIP, Wi-Fi, fondeurs de puces, missions de la NASA, séquençage du génome.",
        {"4": 1},
    ),
]

# Le Monde: rubric gains 1, the sub-rubric the need is centred on 2.
LEMONDE: list[Objective] = [
    (
        "plain",
        "Je suis consultante en transition écologique pour des collectivités : je suis le "
        "climat, la pollution, la biodiversité et l'énergie pour mes publications.",
        {"planete": 1, "sub:climat": 2, "sub:pollution": 2},
    ),
    (
        "keyword-poor",
        "J'accompagne des mairies qui veulent laisser une planète vivable à leurs enfants "
        "et je cherche de quoi nourrir mes posts.",
        {"planete": 1, "sub:climat": 2, "sub:pollution": 2},
    ),
    (
        "jargon",
        "Chargée de mission PCAET : GES, COP23, accord de Paris, GIEC, glyphosate, "
        "perturbateurs endocriniens, qualité de l'air, ENR.",
        {"planete": 1, "sub:climat": 2, "sub:pollution": 2},
    ),
    (
        "plain",
        "Journaliste sportif, je couvre le football : Ligue 1, Ligue des champions, "
        "transferts, PSG et OM, et plus largement les grandes compétitions.",
        {"sport": 1, "sub:football": 2, "sub:ligue-1": 2},
    ),
    (
        "keyword-poor",
        "J'anime un club de supporters et je veux savoir ce qui se passe sur les pelouses "
        "et dans les vestiaires cette semaine.",
        {"sport": 1, "sub:football": 2, "sub:ligue-1": 2},
    ),
    (
        "jargon",
        "Scout pour un club pro : mercato, clause libératoire, fair-play financier de "
        "l'UEFA, feuille de match, buteurs, Neymar, Mbappé.",
        {"sport": 1, "sub:football": 2, "sub:ligue-1": 2},
    ),
    (
        "plain",
        "Directeur financier d'une PME industrielle : je partage des analyses sur la "
        "croissance, les entreprises, l'emploi, les impôts et les marchés financiers.",
        {"economie": 1},
    ),
    (
        "keyword-poor",
        "Je dirige une petite usine et je veux comprendre ce qui va peser sur mes comptes "
        "et mes salariés l'an prochain.",
        {"economie": 1},
    ),
    (
        "jargon",
        "DAF : PIB, CICE, ISF et flat tax, Smic, BCE, CAC 40, prélèvement à la source, "
        "ordonnances travail.",
        {"economie": 1},
    ),
    (
        "plain",
        "Chargé d'affaires publiques à Paris, je suis la vie politique française : "
        "gouvernement, Assemblée nationale, partis et réformes.",
        {"politique": 1},
    ),
    (
        "keyword-poor",
        "Je dois expliquer à mes clients qui décide quoi en ce moment à Paris et qui risque "
        "de perdre sa place.",
        {"politique": 1},
    ),
    (
        "jargon",
        "Lobbyiste : 49.3, PLF, navette parlementaire, LREM, LR, France insoumise, "
        "Matignon, Élysée, remaniement.",
        {"politique": 1},
    ),
    (
        "plain",
        "Chercheuse en biologie, je relaie l'actualité scientifique : recherche, médecine, "
        "génétique, espace, astronomie et physique.",
        {"sciences": 1},
    ),
    (
        "keyword-poor",
        "Je veux partager ce qu'on a appris de nouveau sur le vivant et sur l'univers.",
        {"sciences": 1},
    ),
    (
        "jargon",
        "Post-doc : CRISPR, exoplanètes, ondes gravitationnelles, Inserm, CNRS, Nature, "
        "essais cliniques, paléontologie.",
        {"sciences": 1},
    ),
    (
        "plain",
        "Programmateur culturel : cinéma, films, musique, concerts, expositions, théâtre, "
        "livres et séries télévisées.",
        {"culture": 1},
    ),
    (
        "keyword-poor",
        "Je conseille des amis sur quoi voir, lire ou écouter le week-end.",
        {"culture": 1},
    ),
    (
        "jargon",
        "Attaché de presse : box-office, avant-premières, rentrée littéraire, Goncourt, "
        "biopic, showrunner, festival de Cannes.",
        {"culture": 1},
    ),
    (
        "plain",
        "Analyste en relations internationales : diplomatie, conflits, Union européenne, "
        "Afrique, Amériques et Moyen-Orient.",
        {"international": 1, "sub:europe": 2, "sub:afrique": 2, "sub:ameriques": 2},
    ),
    (
        "keyword-poor",
        "Je prépare des expatriés à partir et je veux savoir comment va le monde hors de "
        "nos frontières.",
        {"international": 1, "sub:europe": 2, "sub:afrique": 2, "sub:ameriques": 2},
    ),
    (
        "jargon",
        "Diplomate : Brexit, Bruxelles, Conseil de sécurité de l'ONU, Pyongyang, Maison "
        "Blanche, Sahel, Catalogne, sanctions.",
        {"international": 1, "sub:europe": 2, "sub:afrique": 2, "sub:ameriques": 2},
    ),
]

# SIB-200 (parallel English / French sentences); 7 labels.
SIB_EN: list[Objective] = [
    (
        "plain",
        "I am a travel agent. I look for tips for tourists: destinations, hotels, flights, "
        "visas, luggage and excursions to share with my clients.",
        {"travel": 1},
    ),
    (
        "keyword-poor",
        "People ask me how to make the most of their time away from home without nasty surprises.",
        {"travel": 1},
    ),
    (
        "jargon",
        "Tour operator: itineraries, backpacking, hostels, jet lag, customs, border "
        "crossings, travel insurance, cruise ports.",
        {"travel": 1},
    ),
    (
        "plain",
        "General practitioner posting about health: diseases, viruses, vaccines, hospitals, "
        "treatments and prevention.",
        {"health": 1},
    ),
    (
        "keyword-poor",
        "I want to help my followers stay well and know when to worry about how they feel.",
        {"health": 1},
    ),
    (
        "jargon",
        "Epidemiologist: outbreaks, pathogens, incidence, immunisation, antibiotics, WHO "
        "alerts, symptoms, clinical trials.",
        {"health": 1},
    ),
    (
        "plain",
        "Science teacher: technology, inventions, physics, biology, computers and research.",
        {"science/technology": 1},
    ),
    (
        "keyword-poor",
        "I want to make my pupils curious about how the world works and how things are made.",
        {"science/technology": 1},
    ),
    (
        "jargon",
        "R&D engineer: protons, DNA, telescopes, semiconductors, satellites, fossils, "
        "peer-reviewed papers.",
        {"science/technology": 1},
    ),
    (
        "plain",
        "Public affairs consultant: elections, government, presidents, parties, laws and protests.",
        {"politics": 1},
    ),
    (
        "keyword-poor",
        "I explain to my clients who holds power and how they might lose it.",
        {"politics": 1},
    ),
    (
        "jargon",
        "Lobbyist: ballots, coalitions, parliament, cabinet reshuffles, opposition leaders, "
        "constitutional referendums, impeachment.",
        {"politics": 1},
    ),
    (
        "plain",
        "Sports coach: matches, players, teams, championships, the Olympics and world records.",
        {"sports": 1},
    ),
    (
        "keyword-poor",
        "I want to talk with my club's members about who won at the weekend.",
        {"sports": 1},
    ),
    (
        "jargon",
        "Performance analyst: medals, finals, laps, goals, tournaments, World Cup, "
        "qualifying rounds, coaches.",
        {"sports": 1},
    ),
    (
        "plain",
        "Events programmer: films, music, festivals, television, celebrities and shows.",
        {"entertainment": 1},
    ),
    (
        "keyword-poor",
        "I suggest things to do for a fun evening out or a night in.",
        {"entertainment": 1},
    ),
    (
        "jargon",
        "Talent booker: box office, premieres, albums, gigs, sitcoms, Grammy and Oscar "
        "nominations.",
        {"entertainment": 1},
    ),
    (
        "plain",
        "Geography teacher: countries, rivers, mountains, islands, climate and population.",
        {"geography": 1},
    ),
    (
        "keyword-poor",
        "I want my pupils to know what the planet's lands and waters look like and where "
        "people live.",
        {"geography": 1},
    ),
    (
        "jargon",
        "Cartographer: latitude, continents, archipelagos, plateaus, basins, deltas, "
        "square kilometres, inhabitants.",
        {"geography": 1},
    ),
]

SIB_FR: list[Objective] = [
    (
        "plain",
        "Je suis agent de voyages. Je cherche des conseils pour les touristes : destinations, "
        "hôtels, vols, visas, bagages et excursions à partager avec mes clients.",
        {"travel": 1},
    ),
    (
        "keyword-poor",
        "On me demande comment profiter au mieux de son temps loin de chez soi sans "
        "mauvaises surprises.",
        {"travel": 1},
    ),
    (
        "jargon",
        "Tour-opérateur : circuits, routard, auberges de jeunesse, décalage horaire, "
        "douane, passages de frontière, assurance voyage, escales de croisière.",
        {"travel": 1},
    ),
    (
        "plain",
        "Médecin généraliste, je publie sur la santé : maladies, virus, vaccins, hôpitaux, "
        "traitements et prévention.",
        {"health": 1},
    ),
    (
        "keyword-poor",
        "Je veux aider mes abonnés à rester en forme et à savoir quand s'inquiéter de ce "
        "qu'ils ressentent.",
        {"health": 1},
    ),
    (
        "jargon",
        "Épidémiologiste : flambées, pathogènes, incidence, immunisation, antibiotiques, "
        "alertes de l'OMS, symptômes, essais cliniques.",
        {"health": 1},
    ),
    (
        "plain",
        "Professeur de sciences : technologie, inventions, physique, biologie, ordinateurs "
        "et recherche.",
        {"science/technology": 1},
    ),
    (
        "keyword-poor",
        "Je veux rendre mes élèves curieux de comment marche le monde et de comment les "
        "choses sont fabriquées.",
        {"science/technology": 1},
    ),
    (
        "jargon",
        "Ingénieur R&D : protons, ADN, télescopes, semi-conducteurs, satellites, fossiles, "
        "publications à comité de lecture.",
        {"science/technology": 1},
    ),
    (
        "plain",
        "Consultant en affaires publiques : élections, gouvernement, présidents, partis, "
        "lois et manifestations.",
        {"politics": 1},
    ),
    (
        "keyword-poor",
        "J'explique à mes clients qui tient le pouvoir et comment il pourrait le perdre.",
        {"politics": 1},
    ),
    (
        "jargon",
        "Lobbyiste : scrutins, coalitions, parlement, remaniements, chefs de l'opposition, "
        "référendums constitutionnels, destitution.",
        {"politics": 1},
    ),
    (
        "plain",
        "Entraîneur sportif : matchs, joueurs, équipes, championnats, Jeux olympiques et "
        "records du monde.",
        {"sports": 1},
    ),
    (
        "keyword-poor",
        "Je veux parler avec les membres de mon club de qui a gagné ce week-end.",
        {"sports": 1},
    ),
    (
        "jargon",
        "Analyste de la performance : médailles, finales, tours de piste, buts, tournois, "
        "Coupe du monde, qualifications, entraîneurs.",
        {"sports": 1},
    ),
    (
        "plain",
        "Programmateur d'événements : films, musique, festivals, télévision, célébrités et "
        "spectacles.",
        {"entertainment": 1},
    ),
    (
        "keyword-poor",
        "Je propose des idées pour une soirée sympa, dehors ou à la maison.",
        {"entertainment": 1},
    ),
    (
        "jargon",
        "Bookeur : box-office, avant-premières, albums, concerts, sitcoms, nominations aux "
        "Grammy et aux Oscars.",
        {"entertainment": 1},
    ),
    (
        "plain",
        "Professeur de géographie : pays, fleuves, montagnes, îles, climat et population.",
        {"geography": 1},
    ),
    (
        "keyword-poor",
        "Je veux que mes élèves sachent à quoi ressemblent les terres et les eaux de la "
        "planète et où vivent les gens.",
        {"geography": 1},
    ),
    (
        "jargon",
        "Cartographe : latitude, continents, archipels, plateaux, bassins, deltas, "
        "kilomètres carrés, habitants.",
        {"geography": 1},
    ),
]
