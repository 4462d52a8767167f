"""The demo's sample site: eight feeds of generated professional news, served offline.

Everything here is the project's own text: titles are written by hand, article bodies are
assembled from the sentence banks below with a seeded `random.Random`, so the same
(base_url, now, seed) always gives the same bytes. Nothing is fetched or copied.

What the demo is meant to show, and where this data provides it:
- a truncated feed ("Le Blog RH": teasers ending in "[…]", full text on article pages) for
  full-text extraction;
- an aggregator ("Actu Numérique") that reposts three Blog RH stories almost verbatim with
  another title prefix and utm_* tracking parameters, for near-duplicate clustering;
- one entry repeated with the same guid in "Talent Weekly", for exact deduplication;
- one English story in the French aggregator, for language detection;
- a leisure feed ("Week-end & Loisirs") that should rank low for every profile;
- RSS 2.0, Atom 1.0 and JSON Feed 1.1, HTML in content, accents, emoji, "&" and quotes.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from curator import i18n

# --- the public contract -------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFeed:
    path: str  # URL path on the local server, e.g. "/feeds/talent-weekly.xml"
    name: str
    language: str  # "fr" | "en"
    kind: str  # "rss" | "atom" | "json"
    truncated: bool  # True: entries carry only a short teaser; full text is on article pages


@dataclass(frozen=True)
class SampleSite:
    feeds: tuple[SampleFeed, ...]
    files: Mapping[str, tuple[bytes, str]]  # URL path -> (body, content-type)
    profiles_yaml: str  # the `profiles:` section of the demo feeds.yaml


# --- sentence banks ------------------------------------------------------------------------
# Placeholders filled at random: {role} {sector} {city} {pct} {n} {weeks} {count}; leads also
# take {subject} (the noun phrase paired with each title). French leads only put {subject}
# after "sur"/"concernant" or after a colon, so "de"/"à" contractions never go wrong.

FR_FILLERS: dict[str, tuple[str, ...]] = {
    "role": (
        "développeurs backend",
        "data engineers",
        "data scientists",
        "chefs de projet",
        "product managers",
        "ingénieurs DevOps",
        "développeurs full stack",
    ),
    "sector": (
        "l'industrie",
        "la banque",
        "le retail",
        "la santé",
        "le conseil",
        "la logistique",
        "l'assurance",
    ),
    "city": ("Lyon", "Nantes", "Bordeaux", "Lille", "Toulouse", "Rennes", "Grenoble"),
}

EN_FILLERS: dict[str, tuple[str, ...]] = {
    "role": (
        "data engineers",
        "backend developers",
        "product managers",
        "site reliability engineers",
        "account executives",
        "machine learning engineers",
    ),
    "sector": ("fintech", "healthcare", "logistics", "retail", "B2B SaaS", "manufacturing"),
    "city": ("London", "Berlin", "Austin", "Toronto", "Dublin", "Amsterdam"),
}

FR_LEADS = (
    "Peu de sujets reviennent aussi souvent dans nos échanges ces dernières semaines que "
    "celui-ci : {subject}.",
    "Interrogez cinq professionnels sur {subject} et vous entendrez cinq histoires "
    "différentes, mais les mêmes frustrations.",
    "Nous avons recueilli ces dernières semaines une série de témoignages sur {subject}, et le "
    "tableau est plus nuancé que ne le laissent croire les gros titres.",
    "Il existe beaucoup d'opinions sur {subject}, mais peu de retours concrets : voici ceux "
    "que nous avons collectés.",
    "Sur {subject}, les discours changent vite ; les pratiques, beaucoup moins.",
    "Concernant {subject}, une question revient sans cesse : par où commencer sans tout "
    "bouleverser ?",
    "Cette semaine, nous faisons le point sur un sujet qui divise les équipes : {subject}.",
    "Les idées reçues ne manquent pas sur {subject} ; les données de terrain racontent une "
    "autre histoire.",
    "Ce qui se dit en réunion sur {subject} ne ressemble pas toujours à ce qui se fait.",
    "Trois échanges récents avec des dirigeants nous ont convaincus de revenir sur {subject}.",
)

EN_LEADS = (
    "Few subjects come up as often in our conversations this month as {subject}.",
    "Ask five practitioners about {subject} and you will hear five different stories, but the "
    "same frustrations.",
    "We spent the past weeks collecting field notes on {subject}, and the picture is more "
    "nuanced than the headlines suggest.",
    "There is no shortage of opinions on {subject}; there is a shortage of practical detail.",
    "If you read one thing this week about {subject}, make it the experience of the teams "
    "quoted below.",
    "A year ago, few teams talked about {subject}; today it comes up in every planning meeting.",
    "This week we take a closer look at a topic that divides teams: {subject}.",
    "Conventional wisdom on {subject} is everywhere; field data tells a different story.",
    "What people say in meetings about {subject} is not always what they do.",
    "Three recent conversations with practitioners convinced us to revisit {subject}.",
)

FR_GENERAL = (
    "Les chiffres varient d'une source à l'autre, mais la tendance est la même partout.",
    "Sur le terrain, les équipes qui réussissent ont un point commun : elles mesurent avant "
    "d'agir.",
    "Ce n'est pas une question d'outil, mais d'organisation et de priorités.",
    "Le plus difficile n'est pas de lancer l'initiative, mais de la faire durer au-delà des "
    "premières semaines.",
    "Plusieurs dirigeants de PME nous ont confié avoir changé d'approche au cours de l'année.",
    "La tentation est grande de copier ce que font les grands groupes ; c'est rarement une "
    "bonne idée.",
    "Les retours des personnes concernées restent la meilleure boussole.",
    "Les petites structures ont ici un avantage : elles peuvent décider et ajuster vite.",
    "Il faut accepter de renoncer à certaines habitudes pour en adopter de meilleures.",
    "Un indicateur suivi chaque mois vaut mieux que dix tableaux de bord consultés une fois "
    "par an.",
)

EN_GENERAL = (
    "The numbers differ from one source to another, but the direction is the same everywhere.",
    "In the field, the teams that succeed have one thing in common: they measure before they act.",
    "This is not a tooling problem; it is a question of habits and priorities.",
    "The hard part is not launching the initiative but keeping it alive after the first month.",
    "Several founders told us they changed their approach during the year.",
    "It is tempting to copy what large companies do; it is rarely a good idea.",
    "Feedback from the people affected remains the most reliable compass.",
    "Small organisations have an advantage here: they can decide and adjust quickly.",
    "One metric reviewed every month is worth more than ten dashboards opened once a year.",
    "Good intentions are not a process; write the steps down and share them.",
)

FR_CLOSINGS = (
    "Nous reviendrons sur ce sujet dans un prochain article ; vos retours d'expérience sont les "
    "bienvenus.",
    "Commencer petit, mesurer, ajuster au bout d'un mois : c'est souvent toute la méthode.",
    "Rien de spectaculaire là-dedans, mais c'est précisément là que se fait la différence.",
    "Et vous, qu'ajouteriez-vous ? Les meilleures réponses viennent souvent des lecteurs.",
    "Les équipes qui s'y mettent maintenant n'auront pas besoin de le crier : leurs résultats "
    "parleront pour elles.",
    "Si vous testez l'une de ces pistes, racontez-nous comment cela s'est passé.",
    "Vos questions et vos désaccords sont les bienvenus en commentaire.",
    "La semaine prochaine, nous regarderons les chiffres de plus près.",
    "À partager avec le collègue qui vous pose la question chaque semaine.",
    "Comme souvent, le diable se cache dans les détails.",
)

EN_CLOSINGS = (
    "We will come back to this in a future issue; replies with your own experience are welcome.",
    "The teams that move first on this will not need to shout about it: their results will.",
    "What would you add? The most useful answers usually come from readers.",
    "Start small, measure, and adjust after a month: that is the whole method.",
    "None of this is glamorous, but it is where the difference is made.",
    "If you try one of these ideas, tell us how it went.",
    "Questions, disagreements and war stories are all welcome in the replies.",
    "Next week: the numbers behind these stories, and what they do not show.",
    "Share this with the colleague who keeps asking about it.",
    "As always, the details matter more than the headline.",
)

TALENT_TITLES = (
    ("Five signals a candidate is about to accept a counter-offer", "counter-offers"),
    ('Hiring managers & recruiters: stop saying "culture fit"', "culture fit"),
    ("Why your time-to-hire metric is lying to you", "time-to-hire"),
    ("Structured interviews, two years in: what actually changed", "structured interviews"),
    ("The hidden cost of a slow offer process", "slow offer processes"),
    ("Skills-based hiring is easy to announce and hard to run", "skills-based hiring"),
    ("What candidates read in your job ad in the first eight seconds", "job ads"),
    ("ATS migrations: a survival guide for small talent teams", "ATS migrations"),
    ("Referral programs that engineers actually use", "employee referrals"),
    ("How to write rejection emails people thank you for", "rejection emails"),
    ("Sourcing data engineers when everyone else is too", "sourcing data engineers"),
    ("AI screening tools: questions to ask before you sign", "AI screening tools"),
    ("The intake meeting between recruiter and hiring manager, done properly", "intake meetings"),
    ("Salary transparency laws: a practical checklist for {year}", "pay transparency"),
    ("Take-home assignments: fair test or free labour?", "take-home assignments"),
    ("Why your best candidates drop out after the second interview", "candidate drop-off"),
    ("Onboarding starts the day the offer is signed", "pre-boarding"),
    ("Boomerang hires: welcoming back people who left", "boomerang hires"),
    ("Interview scorecards that hiring panels will actually fill in", "interview scorecards"),
    ("Recruiting for a four-day week: what changes in the pitch", "four-day-week hiring"),
    ("Agency or in-house? Running the numbers for a 50-person startup", "agency recruiting"),
    ("Ghosting goes both ways: fixing candidate communication", "candidate communication"),
    ("Building a talent pool you will actually reuse", "talent pools"),
    ("The quiet comeback of the phone screen", "phone screens"),
    ("Hiring your first recruiter: profile, scope and salary", "first recruiter hires"),
)

TALENT_BANK = (
    "Talent teams we spoke to in {city} report that {pct}% of their open roles now take longer "
    "than {weeks} weeks to fill.",
    "The pattern is most visible for {role}, who receive several approaches a week.",
    "A candidate who has been interviewing for a month is rarely still waiting for you alone.",
    "Hiring managers tend to underestimate how much a two-day delay in feedback costs them.",
    "In {sector}, several heads of talent now review the pipeline every Monday with the hiring "
    "manager instead of once a month.",
    "The fix is rarely a new tool; it is usually a clearer agreement on who decides and by when.",
    "Ask every interviewer to write their assessment before the debrief, not during it.",
    "Candidates notice when the process changes halfway, and they tell their network about it.",
    "One recruiter described the intake meeting as the cheapest hour of the whole search.",
    "Data from {n} mid-sized companies suggests that a written scorecard cuts debrief time "
    "almost in half.",
    "None of this works if the job description was copied from the last opening without a "
    "second look.",
    "Compensation still comes up first, but flexibility and the quality of the manager follow "
    "closely.",
    "Treat the offer call as a conversation rather than an announcement.",
    "Recruiters who share the salary range in the first call report fewer late-stage surprises.",
    "Employer branding matters less than a fast, honest reply to each application.",
    "A short note after each stage costs two minutes and keeps the candidate engaged.",
    "The best sourcers we know keep notes on every conversation, even when the timing was wrong.",
    "Automation helps with scheduling, but candidates still expect a human at the decisive "
    "moments.",
    "For {role}, a practical exercise reviewed together often says more than a whiteboard puzzle.",
    "Measure the drop-off between each stage before deciding where to invest.",
    "Several teams now publish their interview process on the careers page, step by step.",
    "When a search stalls, go back to the must-haves and ask which of them really are.",
    "A counter-offer is often a sign that the conversation about growth never happened internally.",
    "Small teams cannot outspend large employers, but they can outpace them.",
    "Reference checks are most useful when they ask about specific situations rather than "
    "general impressions.",
    "Hiring managers who join the first call themselves convert noticeably more candidates.",
    "Keep the number of interview rounds to what you can justify to the candidate in one sentence.",
    "The recruiters with the best acceptance rates are usually the ones who say no early and "
    "clearly.",
    "A recruiter in {city} told us she now sends the interview plan to every candidate before "
    "the first call.",
    "Job ads that describe the first ninety days attract fewer but better applications.",
    "The interview panel should agree on what a strong answer looks like before meeting anyone.",
    "Teams hiring {role} often lose candidates between the technical round and the offer.",
    "Recruiting metrics only help when someone looks at them with the hiring manager.",
    "Candidates increasingly ask who their manager will be before they agree to a second round.",
    "An ATS full of stale profiles is a database, not a talent pool.",
    "Rejected candidates who were treated well often come back, or send their friends.",
    "About {pct}% of the offers declined in our sample were lost on timing rather than salary.",
    "HR tech vendors promise speed; the slowest step is usually still a calendar.",
)

BLOG_RH_TITLES = (
    ("Recrutement tech : pourquoi les délais s'allongent en {year}", "les délais de recrutement"),
    ("Marque employeur : ce que les candidats regardent vraiment", "la marque employeur"),
    ("Entretien structuré : la méthode qui réduit les biais", "l'entretien structuré"),
    ("Marché de l'emploi cadre : un ralentissement en trompe-l'œil", "l'emploi des cadres"),
    ("Recruter des data engineers quand on n'est pas une licorne", "le recrutement data"),
    ("Cooptation : comment relancer un programme qui s'essouffle", "la cooptation"),
    ("Offres d'emploi : afficher le salaire, un réflexe qui s'impose", "la transparence salariale"),
    ("Onboarding : les 90 premiers jours qui font la différence", "l'onboarding"),
    (
        "Recruteur indépendant : fixer ses honoraires sans se brader",
        "les honoraires des recruteurs indépendants",
    ),
    (
        "Candidats fantômes : pourquoi ils disparaissent et comment les retenir",
        "le ghosting des candidats",
    ),
    ("Alternance : un vivier sous-exploité pour les métiers du numérique", "l'alternance"),
    ("Soft skills : les évaluer sans tomber dans l'intuition", "l'évaluation des soft skills"),
    ("PME : recruter sans service RH, c'est possible", "le recrutement en PME"),
    ("Contre-offre : faut-il encore s'aligner ?", "les contre-offres"),
    ("Sourcing sur GitHub et les communautés tech : mode d'emploi", "le sourcing technique"),
    ("Fiche de poste : cinq erreurs qui découragent les meilleurs profils", "les fiches de poste"),
    ("Intelligence artificielle et tri de CV : ce que dit la loi", "le tri automatisé des CV"),
    ("Télétravail : un argument de recrutement qui pèse toujours", "le télétravail"),
    ("Quand le manager fait fuir les candidats en entretien", "le rôle du manager en entretien"),
    ("Seniors : le vivier que les recruteurs oublient", "le recrutement des seniors"),
    ("Startups : structurer son premier process de recrutement", "les premiers recrutements"),
    ("Expérience candidat : les chiffres qui devraient vous alerter", "l'expérience candidat"),
    ("Cabinet ou recrutement interne : le vrai calcul", "le recours aux cabinets"),
    ("Freelances tech : les intégrer sans les perdre", "l'intégration des freelances"),
    ("Lyon, Nantes, Lille : les nouveaux pôles de l'emploi tech", "l'emploi tech en région"),
)

BLOG_RH_BANK = (
    "Dans les entreprises que nous accompagnons, il faut désormais compter en moyenne {weeks} "
    "semaines entre la publication d'une offre et la signature.",
    "Les profils de {role} reçoivent plusieurs sollicitations par semaine, souvent très "
    "similaires.",
    "Un candidat en poste n'a aucune raison de répondre à un message qui ne lui apprend rien.",
    "Les managers sous-estiment souvent l'effet d'un retour tardif après un entretien.",
    "Dans {sector}, plusieurs directions RH ont raccourci leur processus à trois étapes au "
    "maximum.",
    "La marque employeur se construit d'abord dans les détails : la qualité des échanges, la "
    "ponctualité, la transparence.",
    "Environ {pct} % des candidats interrogés déclarent avoir abandonné un processus jugé trop "
    "long.",
    "Afficher une fourchette de salaire dès l'annonce fait gagner du temps aux deux parties.",
    "Une grille d'évaluation commune, remplie par chaque recruteur avant le débriefing, limite "
    "l'effet de halo.",
    "Le marché de l'emploi des cadres reste tendu sur les fonctions techniques, même quand les "
    "volumes baissent.",
    "À {city}, les entreprises du numérique se disputent les mêmes profils expérimentés.",
    "La cooptation fonctionne quand les salariés savent précisément quels postes sont ouverts "
    "et pourquoi.",
    "Les recruteurs indépendants qui se spécialisent sur un métier obtiennent des taux de "
    "réussite nettement supérieurs.",
    "Un message de refus personnalisé, même court, laisse une impression durable chez le candidat.",
    "Les premières semaines après l'arrivée conditionnent largement la décision de rester ou non.",
    "La fiche de poste doit décrire le problème à résoudre, pas seulement une liste de "
    "compétences.",
    "Les outils d'intelligence artificielle peuvent aider au tri des candidatures, à condition "
    "que les critères restent explicables.",
    "Le télétravail partiel reste l'un des premiers critères cités par les candidats, juste "
    "après la rémunération.",
    "Un manager qui présente lui-même son équipe en entretien rassure bien plus qu'une "
    "plaquette institutionnelle.",
    "Les candidats de plus de cinquante ans restent sous-représentés dans les shortlists, à "
    "compétences égales.",
    "Dans une startup, le premier process de recrutement doit rester simple, mais il doit être "
    "écrit.",
    "Mesurer le taux d'abandon à chaque étape permet de repérer rapidement où le processus coince.",
    "Le recours à un cabinet se justifie surtout pour les postes rares ou confidentiels.",
    "Les freelances apprécient d'être intégrés aux rituels de l'équipe, au même titre que les "
    "salariés.",
    "Les villes moyennes attirent des profils qui cherchent un meilleur équilibre entre vie "
    "professionnelle et vie personnelle.",
    "Les contre-offres retiennent rarement un collaborateur plus de quelques mois lorsque les "
    "vraies raisons du départ ne sont pas traitées.",
    "Sur les communautés techniques, la meilleure approche reste de s'intéresser au travail "
    "publié avant de parler du poste.",
    "L'alternance permet de former des profils opérationnels sur des technologies précises, "
    "tout en les fidélisant.",
    "Les soft skills s'évaluent mieux à partir de situations vécues qu'à partir de questions "
    "générales.",
    "Une PME sans service RH peut s'appuyer sur un processus court, un binôme "
    "manager-recruteur et des critères clairs.",
    "Les chiffres de l'expérience candidat sont souvent mesurés, rarement partagés avec les "
    "managers.",
    "Répondre à chaque candidature en moins d'une semaine reste un avantage concurrentiel "
    "étonnamment rare.",
    "Les entretiens à distance ont accéléré les premières étapes, mais la rencontre sur site "
    "garde tout son poids.",
    "Les recruteurs qui publient régulièrement sur les réseaux professionnels reçoivent "
    "davantage de candidatures spontanées qualifiées.",
    "Un échange franc sur les perspectives d'évolution vaut mieux qu'une promesse floue.",
    "Pour les postes de {role}, un cas pratique débriefé ensemble en dit souvent plus qu'un "
    "test en ligne.",
    "Selon une enquête menée auprès de {count} recruteurs, la moitié jugent leurs délais de "
    "réponse trop longs.",
    "Les candidats comparent désormais les processus de recrutement comme ils comparent des "
    "offres commerciales.",
    "Les candidats les plus recherchés posent désormais leurs propres questions dès le premier "
    "échange : équipe, stack technique, télétravail, rémunération.",
    "Un processus en quatre étapes annoncé dès le départ inspire davantage confiance qu'un "
    "parcours qui s'allonge au fil des semaines.",
    "Dans {sector}, les recruteurs constatent que les candidats comparent plusieurs offres en "
    "parallèle, parfois trois ou quatre.",
    "Les jeunes diplômés sont sensibles à la qualité du tutorat bien plus qu'au prestige de la "
    "marque.",
    "Une annonce qui mentionne l'équipe, le projet et le manager reçoit en moyenne deux fois "
    "plus de réponses qualifiées.",
    "Les recruteurs indépendants de {city} observent un retour des missions exclusives sur les "
    "profils techniques.",
    "L'entretien avec un futur collègue, sans enjeu hiérarchique, rassure beaucoup de candidats.",
    "Le sourcing reste un travail d'artisan : lire, comprendre, puis seulement écrire.",
    "Les clauses de non-concurrence et les préavis longs freinent encore certaines embauches "
    "de cadres.",
    "Pour les profils de {role}, la possibilité de se former en continu pèse presque autant "
    "que le salaire.",
    "Un bilan à trois mois, formalisé et partagé, évite bien des départs en période d'essai.",
    "La réputation d'un employeur se joue aussi sur les avis laissés par les candidats refusés.",
)

FUTURE_TITLES = (
    ("Hybrid work, year five: the rituals that survived", "hybrid work rituals"),
    ("AI copilots at work: where the time savings really go", "AI copilots"),
    (
        "The skills half-life is shrinking. What does that mean for your career?",
        "the skills half-life",
    ),
    ("Managers are the bottleneck of every reskilling plan", "reskilling"),
    ("Asynchronous by default: lessons from fully remote teams", "asynchronous work"),
    ("Why return-to-office mandates keep backfiring", "return-to-office mandates"),
    ("Prompting is not a job title, but it is becoming a skill", "prompting skills"),
    ("The four-day week trials, read carefully", "four-day week trials"),
    ("Learning budgets nobody spends, and how to fix that", "learning budgets"),
    ("Internal mobility beats external hiring more often than you think", "internal mobility"),
    ("Meeting-free days: a field report from three companies", "meeting-free days"),
    ("What generative AI changes for junior roles", "junior roles in the age of AI"),
    ("Digital nomad visas and the employers who say yes", "working remotely from abroad"),
    ("Burnout in distributed teams shows up in the calendar first", "burnout in remote teams"),
    ("Writing is the core skill of remote work", "written communication"),
    ("The rise of the fractional executive", "fractional executives"),
    ("Soft skills are now the hard part of hiring", "soft skills"),
    ("AI policies at work: from ban to guidelines in eighteen months", "workplace AI policies"),
    ("Coworking outside the big cities is quietly booming", "regional coworking"),
    (
        "Career paths without management: the individual-contributor track",
        "individual-contributor careers",
    ),
    ("How teams measure productivity without surveillance", "measuring productivity"),
    ("Apprenticeships for mid-career switchers are working", "mid-career apprenticeships"),
    ("Onboarding remotely: the first ninety days, step by step", "remote onboarding"),
    ("The office as a destination, not an obligation", "office design"),
    ("Which skills employers will pay a premium for next year", "in-demand skills"),
)

FUTURE_BANK = (
    "Surveys of {count} knowledge workers this autumn point in the same direction: flexibility "
    "is no longer a perk but a baseline expectation.",
    "Managers in {sector} say the hardest part is not the tools but the unwritten rules about "
    "when to be available.",
    "Teams that document decisions in writing spend less time in meetings re-explaining them.",
    "The companies that benefit most from AI assistants are the ones that redesigned the "
    "workflow first.",
    "Employees report saving time on drafting and summarising, but much of it is absorbed by "
    "reviewing the output.",
    "A skill learned three years ago may already need refreshing, especially in data and "
    "software roles.",
    "Internal academies work when learning time is protected in the calendar, not squeezed "
    "between meetings.",
    "Around {pct}% of the employees surveyed said they would consider leaving for more flexible "
    "hours.",
    "Offices are being redesigned around collaboration days, with fewer desks and more rooms "
    "for workshops.",
    "Remote work widened the talent pool, but it also widened the competition for the same people.",
    "Junior employees miss the informal learning that used to happen by overhearing colleagues.",
    "Some teams pair every new hire with a buddy for the first {n} weeks, and retention shows it.",
    "A clear policy on which AI tools are allowed does more for adoption than any training "
    "session.",
    "Performance reviews are shifting from hours visible to outcomes delivered.",
    "Workers who moved away from big cities are not rushing back, whatever the mandates say.",
    "Reskilling budgets are growing, yet many employees say they do not know how to use them.",
    "The most effective managers we met hold short weekly one-to-ones and protect them fiercely.",
    "Time zones force teams to write things down, which turns out to be a feature rather than "
    "a bug.",
    "Employers that publish their remote policy openly receive more applications from "
    "experienced profiles.",
    "Automation rarely removes a whole job; it removes tasks, and the job is redefined around "
    "what is left.",
    "Meeting load is the first metric to watch when a team starts to show signs of fatigue.",
    "For {role}, the ability to explain trade-offs in writing has become as valuable as "
    "technical depth.",
    "Learning in the flow of work means small, frequent sessions rather than a yearly seminar.",
    "A four-day week only works when the team agrees on what it will stop doing.",
    "In {city}, several employers now pay for coworking passes instead of renewing office leases.",
    "Generative AI is changing entry-level work faster than it is changing senior roles.",
    "Skills-based job architectures make internal moves easier to spot and to approve.",
    "Managers need training on running hybrid meetings as much as employees need new tools.",
    "Employees who shape their own learning plan are more likely to finish it.",
    "Fractional roles let small companies access senior experience for a few days a month.",
    "The best remote teams agree on response times, not on online status.",
    "Around {pct}% of the managers surveyed said they had no guidance on AI use in their team.",
    "Quiet hours protected across time zones reduce after-hours messages noticeably.",
    "Career conversations are moving from the annual review to regular, lighter check-ins.",
)

VENTE_TITLES = (
    ("Social selling : 7 erreurs qui font fuir vos prospects", "le social selling"),
    ("Prospection à froid : ce qui fonctionne encore en {year}", "la prospection à froid"),
    ("Le premier message LinkedIn qui obtient une réponse", "les premiers messages"),
    ("Relancer sans harceler : la bonne cadence", "les relances commerciales"),
    ("Pourquoi vos démos ne convertissent pas", "les démonstrations produit"),
    ("Qualifier un lead en 15 minutes avec la méthode BANT revisitée", "la qualification"),
    ("Cycle de vente long : garder l'élan après le premier rendez-vous", "les cycles longs"),
    ("Le CRM n'est pas un outil de reporting, c'est un outil de vente", "l'usage du CRM"),
    ("Objection prix : cinq réponses qui ne bradent pas votre offre", "l'objection prix"),
    ("Construire son profil LinkedIn quand on est commercial", "le profil des commerciaux"),
    ("Vente complexe : cartographier les décideurs avant d'appeler", "les décideurs"),
    ("Account-based marketing : par où commencer dans une PME", "l'account-based marketing"),
    ("Le téléphone n'est pas mort, il a changé de rôle", "la prospection téléphonique"),
    ("Rédiger une proposition commerciale qui se lit jusqu'au bout", "les propositions"),
    ("Commerciaux et marketing : enfin parler des mêmes leads", "l'alignement ventes-marketing"),
    ("Prospecter des grands comptes quand on est une petite équipe", "les grands comptes"),
    ("Les signaux d'achat à surveiller sur les réseaux", "les signaux d'achat"),
    ("Négociation : savoir quand se taire", "la négociation"),
    ("Onboarder un nouveau commercial en 30 jours", "l'intégration des commerciaux"),
    (
        "Séquences automatisées : le bon dosage entre volume et personnalisation",
        "les séquences automatisées",
    ),
    ("Salons professionnels : rentabiliser trois jours de stand", "les salons professionnels"),
    (
        "Fidéliser avant de prospecter : le potentiel caché de vos clients actuels",
        "la fidélisation client",
    ),
    ("Pipeline : les indicateurs qui comptent vraiment", "le pilotage du pipeline"),
    (
        "Publier sur LinkedIn quand on vend : fréquence, formats, ton",
        "la prise de parole sur LinkedIn",
    ),
    ("Closing : pourquoi les deals meurent en fin de trimestre", "la conclusion des ventes"),
)

VENTE_BANK = (
    "Sur {count} messages de prospection analysés, moins d'un sur dix mentionnait un élément "
    "propre à l'entreprise visée.",
    "Les acheteurs B2B arrivent au premier rendez-vous avec une idée déjà bien formée de ce "
    "qu'ils veulent.",
    "Un message court, qui parle du problème du prospect plutôt que de votre produit, reste la "
    "base.",
    "Les commerciaux les plus efficaces consacrent un créneau fixe à la prospection chaque "
    "matin, avant les rendez-vous.",
    "Dans {sector}, les décisions d'achat impliquent désormais en moyenne {n} interlocuteurs.",
    "Commenter régulièrement les publications de ses prospects prépare le terrain bien mieux "
    "qu'une invitation sèche.",
    "La relance la plus efficace apporte une information nouvelle, pas un simple « avez-vous "
    "vu mon message ? ».",
    "Un CRM à jour évite de rappeler deux fois la même personne la même semaine, ce qui arrive "
    "plus souvent qu'on ne le croit.",
    "Le social selling ne remplace pas le téléphone : il rend l'appel attendu plutôt qu'intrusif.",
    "Environ {pct} % des équipes commerciales interrogées disent manquer de temps pour "
    "personnaliser leurs approches.",
    "Une démo réussie commence par les questions du client, pas par la page d'accueil du logiciel.",
    "Parler prix tôt dans la conversation écarte les mauvais dossiers et rassure les bons.",
    "Les équipes marketing et commerciales qui partagent une définition commune du lead "
    "qualifié perdent beaucoup moins d'opportunités.",
    "Un profil LinkedIn de commercial doit expliquer qui il aide et comment, pas lister ses "
    "objectifs de chiffre d'affaires.",
    "Les signaux d'achat les plus fiables restent les recrutements, les levées de fonds et les "
    "changements de direction.",
    "Dans une négociation, le silence après une proposition de prix est souvent plus productif "
    "qu'un argument de plus.",
    "Les séquences automatisées donnent de bons résultats tant que chaque étape reste relue "
    "par un humain.",
    "À {city}, plusieurs PME industrielles ont remplacé une partie de leurs salons par des "
    "petits-déjeuners clients très ciblés.",
    "Un client satisfait qui vous recommande vaut plus que dix contacts froids.",
    "Mesurer le taux de conversion à chaque étape du pipeline révèle vite où se perdent les "
    "affaires.",
    "Les décideurs lisent rarement une proposition de vingt pages ; ils lisent la synthèse et "
    "le prix.",
    "Publier deux fois par semaine un contenu utile suffit à rester présent à l'esprit de ses "
    "prospects.",
    "Un nouveau commercial devrait assister à une dizaine de rendez-vous avant d'en mener un seul.",
    "La fin de trimestre pousse à accorder des remises qui habituent les clients à attendre.",
    "Les prospects les plus réceptifs sont souvent ceux qui viennent de changer de poste.",
    "Un appel préparé en dix minutes vaut mieux que cinquante appels improvisés.",
    "Les commerciaux qui publient des retours clients concrets génèrent plus de demandes "
    "entrantes.",
    "Dans {sector}, le premier rendez-vous sert de plus en plus à valider un budget déjà prévu.",
    "Une bonne question de découverte ouvre la conversation au lieu de la fermer.",
    "Le taux de réponse chute nettement après la {n}e relance sans valeur ajoutée.",
    "Les acheteurs apprécient qu'on leur dise clairement ce que l'offre ne fait pas.",
    "Un compte rendu envoyé le jour même après un rendez-vous accélère souvent la décision.",
    "Le social selling demande de la régularité plus que du talent d'écriture.",
    "Les équipes qui documentent leurs objections récurrentes forment leurs nouveaux plus vite.",
)

B2B_TITLES = (
    ("Outbound is not dead, lazy outbound is", "outbound prospecting"),
    ("The discovery call checklist I give every new SDR", "discovery calls"),
    ("Why founders should run the first fifty sales calls themselves", "founder-led sales"),
    (
        "Cold email benchmarks are misleading; here is what to track instead",
        "cold email metrics",
    ),
    ("Social selling for people who hate posting", "social selling"),
    ("Multi-threading a deal without annoying your champion", "multi-threading"),
    ("Pricing pages and the sales conversation", "pricing conversations"),
    ("From SDR to AE: a promotion path that keeps people", "sales career paths"),
    ("The mutual action plan: a one-page tool that closes deals", "mutual action plans"),
    ("Stop discounting at quarter end", "quarter-end discounting"),
    (
        "How to build an ideal customer profile from your last twenty wins",
        "ideal customer profiles",
    ),
    ("Sales and customer success: who owns the renewal?", "renewals"),
    ("Writing LinkedIn posts that start sales conversations", "LinkedIn posts for sellers"),
    ("Handling the 'we already have a vendor' objection", "competitive objections"),
    ("Sales playbooks people actually open", "sales playbooks"),
    ("The first ninety days of a new head of sales", "new sales leaders"),
    ("Intent data: useful signal or expensive noise?", "intent data"),
    ("Demo less, diagnose more", "diagnostic selling"),
    ("Forecasting without wishful thinking", "sales forecasting"),
    ("What buyers wish sellers knew about procurement", "procurement"),
    ("Warm introductions at scale: a referral system for B2B", "referral selling"),
    ("Sales coaching in fifteen minutes a week", "sales coaching"),
    ("The trouble with lead scoring models", "lead scoring"),
    ("Selling to technical buyers without a sales engineer", "technical buyers"),
    ("Outbound for SaaS founders: the first two hundred accounts", "outbound for founders"),
)

B2B_BANK = (
    "Most buyers have done the bulk of their research before they agree to speak with a seller.",
    "A good discovery call spends more time on the buyer's current process than on your product.",
    "Founders who sell early learn which objections are real and which are just noise.",
    "Reply rates fall sharply once a sequence passes {n} touches without new information.",
    "In {sector}, the economic buyer is rarely the person who replied to your first email.",
    "A champion needs material they can forward internally, written in their words rather "
    "than yours.",
    "Discounting to hit the quarter teaches customers to wait for the last week of every quarter.",
    "Around {pct}% of the stalled deals we reviewed had no agreed next step after the demo.",
    "Sellers who post about their customers' problems get more inbound conversations than "
    "those who post about their quotas.",
    "An ideal customer profile built from real wins beats one built from a market report.",
    "The renewal conversation starts on the day the contract is signed, not ninety days before "
    "it ends.",
    "Outbound works when the list is small, researched and specific, not when it is large and "
    "generic.",
    "A one-page mutual plan with dates and owners keeps both sides honest about the timeline.",
    "Sales coaching works best on recorded calls, reviewed together for a few minutes each week.",
    "Intent data is useful for timing, but it does not replace understanding the account.",
    "Procurement teams ask the same questions every time; answering them upfront shortens the "
    "cycle.",
    "Forecasts improve when each stage has an exit criterion that the buyer, not the seller, "
    "completes.",
    "Lead scores drift quietly; review the model every quarter against the deals that actually "
    "closed.",
    "Technical buyers appreciate a seller who says 'I don't know, I'll check' more than one "
    "who improvises.",
    "Referrals convert better than any other channel, yet few teams ask for them systematically.",
    "Social selling is less about posting daily and more about showing up consistently in the "
    "right conversations.",
    "A new head of sales should listen to calls for two weeks before changing the process.",
    "Playbooks get used when they are short, searchable and updated by the reps themselves.",
    "The SaaS founders we work with block two hours a day for outbound until their first "
    "twenty customers are signed.",
    "Founders who write their own first outbound emails discover their positioning along the way.",
    "A discovery call that ends without a quantified problem rarely turns into a deal.",
    "Buyers in {city} told us they ignore any message that could have been sent to anyone.",
    "Cold email still works for SaaS when the first line proves you looked at the account.",
    "Sales leaders who review the pipeline weekly catch slipping deals a month earlier.",
    "Pricing objections usually mean the value was not made concrete early enough.",
    "The champion's internal presentation is the most important demo you will never attend.",
    "Around {pct}% of the founders we coached had no written definition of a qualified lead.",
    "A short LinkedIn comment on a prospect's post often opens more doors than a connection "
    "request.",
    "Closing is the natural end of a good process, not a technique applied at the last minute.",
)

STARTUP_TITLES = (
    ("🚀 Seed rounds are back, but investors want revenue", "seed funding"),
    ("Series A due diligence now starts with your security posture", "security due diligence"),
    ("Ransomware groups are targeting small SaaS vendors", "ransomware"),
    ("Product-led growth needs a sales team after all", "product-led growth"),
    ("What a good board deck looks like in {year}", "board decks"),
    ("Passkeys are finally going mainstream", "passkeys"),
    ("Bridge rounds: when to take one and when to walk away", "bridge rounds"),
    ("SOC 2 for a ten-person startup: a realistic timeline", "SOC 2 compliance"),
    ("European deep-tech funding hits a record quarter", "deep-tech funding"),
    ("Shipping less: how small product teams say no", "product prioritisation"),
    ("Phishing kits now bypass most SMS two-factor codes", "phishing"),
    ("Revenue-based financing for SaaS, explained", "revenue-based financing"),
    ("Pricing experiments that did not scare customers away", "pricing experiments"),
    ("Supply-chain attacks through open-source packages, again", "supply-chain attacks"),
    ("Founders' secondary sales are becoming normal", "secondary sales"),
    ("The first product manager: when and whom to hire", "first product managers"),
    ("Vertical AI startups are raising faster than horizontal ones", "vertical AI startups"),
    ("Incident response plans that fit on one page", "incident response"),
    ("Angel syndicates are changing pre-seed", "angel syndicates"),
    ("User interviews every week, even after product-market fit", "user research"),
    ("Cyber insurance premiums drop for startups that prove MFA", "cyber insurance"),
    ("Runway planning when the next round is uncertain", "runway planning"),
    ("Open source as a go-to-market strategy", "open-source go-to-market"),
    ("Zero trust without the buzzwords", "zero trust"),
    ("Demo days are smaller, and founders seem to prefer it", "demo days"),
)

STARTUP_BANK = (
    "Investors we spoke to now expect at least {n} months of consistent revenue growth before "
    "a seed cheque.",
    "Round sizes are smaller than at the peak, but the best companies still close in a few weeks.",
    "Security questionnaires arrive earlier in enterprise deals, sometimes before the first demo.",
    "Attackers favour small vendors because one compromised supplier can open the door to "
    "dozens of customers.",
    "Multi-factor authentication remains the single most effective control for a small team.",
    "Product teams that talk to users weekly ship fewer features, and the ones they ship get used.",
    "In {sector}, buyers increasingly ask for a security certification before signing a pilot.",
    "About {pct}% of the founders surveyed said they had extended their runway by cutting paid "
    "acquisition first.",
    "A board deck should answer three questions: what happened, what we learned, what we need.",
    "Patching known vulnerabilities quickly prevents more incidents than any expensive tool.",
    "Pricing changes work best when existing customers are told early and given a clear path.",
    "Bridge rounds buy time; they do not fix a business model that is not working.",
    "Open-source projects give startups distribution, but monetisation needs a plan from the "
    "start.",
    "Backups that have never been restored should be treated as if they do not exist.",
    "Product-led growth brings sign-ups; turning them into large accounts still takes people.",
    "Angel investors with operating experience are in demand, and founders choose them carefully.",
    "A one-page incident plan with names and phone numbers beats a fifty-page policy nobody reads.",
    "Dependencies pulled from public registries should be pinned and reviewed like any other code.",
    "Founders in {city} say the local ecosystem has matured, with more repeat entrepreneurs "
    "investing.",
    "Revenue-based financing suits companies with predictable recurring revenue and healthy "
    "margins.",
    "Hiring a first product manager too early often means the founders stop talking to customers.",
    "Phishing-resistant authentication, such as passkeys or hardware keys, is becoming the "
    "default recommendation.",
    "Growth without retention only makes the next fundraising conversation harder.",
    "Vertical software companies know their customers' workflows deeply, and investors reward "
    "that.",
    "Seed investors in {city} now ask for cohort retention charts in the first meeting.",
    "Security reviews no longer stop at the product: they ask about laptops, access and backups.",
    "A startup that can show its incident log and its fixes earns trust in due diligence.",
    "Founders who update investors monthly find the next round easier to start.",
    "Credential stuffing remains the most common attack against small SaaS login pages.",
    "Product teams that kill features openly build more credibility with their users.",
    "Around {pct}% of the pre-seed rounds we tracked included at least one angel syndicate.",
    "Valuations have settled, and terms are cleaner than they were two years ago.",
    "Least-privilege access is cheap to set up on day one and expensive to retrofit later.",
    "Go-to-market plans that start with one narrow segment tend to reach the next one faster.",
)

ACTU_TITLES = (
    (
        "IA générative : les entreprises françaises passent du test au déploiement",
        "l'IA générative en entreprise",
    ),
    ("Cloud souverain : ce qui change pour les PME", "le cloud souverain"),
    ("Cybersécurité : les collectivités restent une cible privilégiée", "la cybersécurité"),
    (
        "La facture électronique obligatoire approche : êtes-vous prêts ?",
        "la facturation électronique",
    ),
    (
        "Données personnelles : la CNIL publie ses recommandations sur l'IA",
        "la protection des données",
    ),
    ("Fibre optique : la fin du cuivre se précise", "la fin du réseau cuivre"),
    ("Les développeurs adoptent massivement les assistants de code", "les assistants de code"),
    (
        "Startups françaises : un trimestre plus calme pour les levées de fonds",
        "les levées de fonds",
    ),
    ("Numérique responsable : mesurer l'empreinte de son site web", "le numérique responsable"),
    ("Télétravail et sécurité : les VPN ne suffisent plus", "la sécurité du télétravail"),
    ("Open data : de nouveaux jeux de données publics très attendus", "l'open data"),
    ("Les PME face à la pénurie de compétences en cybersécurité", "les compétences cyber"),
    ("Smartphones reconditionnés : un marché qui mûrit", "le reconditionnement"),
    (
        "Accessibilité numérique : les nouvelles obligations pour les sites privés",
        "l'accessibilité numérique",
    ),
    ("Souveraineté : le débat sur les suites bureautiques relancé", "les suites bureautiques"),
    ("Quantique : où en est la recherche française ?", "l'informatique quantique"),
    ("E-commerce : les ventes de fin d'année démarrent plus tôt", "le commerce en ligne"),
    ("Les outils no-code gagnent les services métiers", "le no-code"),
    ("Centres de données : la question de l'eau et de l'énergie", "les centres de données"),
    ("Mots de passe : les passkeys arrivent dans les services publics", "les passkeys"),
    ("Réseaux sociaux professionnels : les formats vidéo progressent", "les formats vidéo"),
)

ACTU_BANK = (
    "Selon une étude portant sur {count} entreprises, près de {pct} % d'entre elles ont déjà "
    "lancé au moins un projet pilote.",
    "Les directions informatiques des PME disent manquer de temps plus que de budget.",
    "Dans {sector}, les projets avancent plus vite lorsque les équipes métier sont associées "
    "dès le départ.",
    "Les experts rappellent que la majorité des incidents commencent par un simple courriel piégé.",
    "Le calendrier réglementaire impose aux entreprises de s'organiser dès maintenant, sans "
    "attendre la dernière échéance.",
    "Les éditeurs français mettent en avant l'hébergement des données sur le territoire national.",
    "Plusieurs collectivités de la région de {city} ont mutualisé leurs moyens pour renforcer "
    "leur sécurité informatique.",
    "L'adoption progresse, mais la formation des utilisateurs reste le maillon faible.",
    "Les associations de consommateurs demandent davantage de transparence sur l'usage des "
    "données.",
    "Côté infrastructure, la consommation énergétique devient un critère de choix à part entière.",
    "Les développeurs interrogés estiment gagner du temps sur les tâches répétitives, moins "
    "sur la conception.",
    "Le marché reste dominé par quelques grands acteurs américains, ce qui alimente le débat "
    "sur la souveraineté.",
    "Les investisseurs se montrent plus sélectifs et privilégient les entreprises proches de "
    "la rentabilité.",
    "Pour les petites structures, un accompagnement par un prestataire local reste souvent la "
    "solution la plus réaliste.",
    "Un guide pratique publié cette semaine détaille les étapes à suivre, de l'audit initial "
    "au suivi.",
    "Les collectivités et les hôpitaux figurent toujours parmi les cibles les plus touchées.",
    "L'enjeu n'est plus seulement technique : il concerne aussi les achats, le juridique et "
    "les ressources humaines.",
    "Les premiers retours d'expérience montrent des gains réels, à condition de bien cadrer "
    "les usages.",
    "Les prix des équipements reconditionnés attirent de plus en plus d'entreprises soucieuses "
    "de leur budget.",
    "Le sujet sera au cœur des discussions lors du prochain salon professionnel organisé à {city}.",
    "Les autorités recommandent de vérifier régulièrement les sauvegardes et de tester leur "
    "restauration.",
    "Les formats courts, notamment la vidéo, gagnent du terrain dans la communication des "
    "entreprises.",
    "Les entreprises de taille intermédiaire sont les plus nombreuses à franchir le pas cette "
    "année.",
    "Les syndicats réclament d'être associés aux décisions d'équipement des salariés.",
    "Un rapport parlementaire attendu en début d'année devrait préciser le cadre.",
    "Les fournisseurs promettent des offres adaptées aux PME, avec des tarifs mensuels.",
    "Dans {sector}, la priorité reste la continuité de service plutôt que l'innovation.",
    "Les usagers, eux, attendent surtout des services plus simples et plus rapides.",
)

# The aggregator's one English story (language detection has something to catch).
ACTU_ENGLISH = ("EU AI Act: what changes for HR software vendors in {year}", "the EU AI Act")

LOISIRS_TITLES = (
    ("Tarte Tatin : la recette inratable du dimanche", "la tarte Tatin"),
    ("Trois randonnées faciles dans le Vercors ☀️", "trois randonnées dans le Vercors"),
    ("Ligue 1 : le récap de la journée", "le récap de la Ligue 1"),
    ("Week-end à Lisbonne : nos adresses préférées", "Lisbonne en trois jours"),
    ("Soupe de potimarron au lait de coco", "une soupe de saison"),
    ("Marathon : préparer sa première course en douze semaines", "la préparation au marathon"),
    ("Les plus beaux marchés de Noël d'Alsace", "les marchés de Noël"),
    ("Jardinage : ce qu'il faut planter en novembre", "le potager d'automne"),
    ("Escapade à vélo le long de la Loire", "la Loire à vélo"),
    ("Cinq romans à emporter pour un long trajet en train", "cinq romans pour le train"),
    ("Raclette : les bonnes quantités pour huit personnes", "la raclette"),
    ("Rugby : le XV de France prépare le Tournoi", "le XV de France"),
    ("Ski : les stations qui ouvrent en premier cette saison", "les stations de ski"),
    ("Pain maison : réussir sa première miche au levain", "le pain au levain"),
    ("Trois idées de sorties en famille quand il pleut", "des sorties en famille"),
    ("Tennis : le bilan de la saison des Français", "la saison de tennis"),
    ("Road trip en Bretagne : itinéraire de quatre jours", "un road trip en Bretagne"),
    ("Crêpes & galettes : les secrets d'une pâte réussie 🥞", "les crêpes"),
    ("Yoga du matin : dix minutes pour bien commencer", "le yoga du matin"),
    ("Les plus beaux villages de Provence hors saison", "la Provence hors saison"),
    ("Gratin dauphinois : le vrai, sans fromage", "le gratin dauphinois"),
    ("Pétanque : les règles que tout le monde oublie", "la pétanque"),
    ("Observer les étoiles filantes cet hiver", "les étoiles filantes"),
    ("Week-end thermal dans les Pyrénées", "les thermes des Pyrénées"),
    ("Chocolat chaud à l'ancienne, épais et onctueux", "le chocolat chaud"),
)

LOISIRS_LEADS = (
    "Au programme cette semaine : {subject}.",
    "Cette semaine, la rédaction a choisi pour vous : {subject}.",
    "Après une semaine chargée, on lève le pied. Notre idée du moment : {subject}.",
    "Le temps se rafraîchit, c'est le moment idéal pour en profiter. Au menu : {subject}.",
)

# The leisure feed keeps cooking, sport and outings apart, so a recipe never ends on a score.
LOISIRS_BANKS: dict[str, tuple[str, ...]] = {
    "cuisine": (
        "Comptez une bonne heure de préparation, sans compter le temps de repos.",
        "Le secret, c'est de ne pas se presser et de goûter au fur et à mesure.",
        "On peut remplacer le beurre par de l'huile d'olive pour une version plus légère.",
        "Le marché du samedi matin est l'occasion idéale de trouver des produits de saison.",
        "Servez bien chaud, avec une salade verte et un bon pain de campagne.",
        "Une pincée de sel, un peu de patience, et le tour est joué.",
        "Le four doit être bien chaud avant d'enfourner, c'est la clé d'une belle croûte.",
        "Choisissez des produits de saison : le goût n'a rien à voir.",
        "La veille, sortez les ingrédients du réfrigérateur pour qu'ils soient à température "
        "ambiante.",
        "Les restes se conservent deux jours dans une boîte hermétique, et c'est encore meilleur "
        "réchauffé.",
        "Certains lecteurs ajoutent une touche de cannelle ; à vous de voir.",
        "Pour huit personnes, doublez simplement les quantités et prévoyez un grand plat.",
    ),
    "sport": (
        "Les supporters étaient au rendez-vous malgré la pluie.",
        "Tout s'est joué dans les dix dernières minutes, au terme d'une fin de rencontre "
        "haletante.",
        "L'entraînement progressif reste la meilleure façon d'éviter les blessures.",
        "Échauffez-vous dix minutes avant chaque séance, même courte.",
        "Hydratation, sommeil et récupération comptent autant que les séances elles-mêmes.",
        "Le public a salué une belle fin de saison, pleine de promesses.",
        "Les débutants peuvent commencer par deux séances par semaine.",
        "La prochaine échéance est fixée au week-end prochain, à domicile.",
        "Un bon équipement n'a pas besoin d'être hors de prix.",
        "Les résultats du week-end redistribuent les cartes en haut du classement.",
        "Le plus important reste de prendre du plaisir, quel que soit le niveau.",
    ),
    "sorties": (
        "Le parcours est accessible aux débutants et se fait en une demi-journée.",
        "Pensez à réserver à l'avance, les places partent vite pendant les vacances.",
        "Les enfants adorent, et les adultes aussi, soyons honnêtes.",
        "Prévoyez de bonnes chaussures et une gourde, même en hiver.",
        "La vue depuis le sommet vaut largement l'effort de la dernière montée.",
        "Le petit village se visite à pied en une heure, mais on a envie d'y rester la journée.",
        "Côté budget, comptez une cinquantaine d'euros par personne pour le week-end.",
        "La gare est à dix minutes à pied du centre, pas besoin de voiture.",
        "Les couchers de soleil sur la côte valent à eux seuls le déplacement.",
        "On a aimé l'ambiance chaleureuse et l'accueil des habitants.",
        "Les pistes cyclables sont bien balisées et presque entièrement plates.",
        "Les beaux jours reviendront, mais l'automne a aussi son charme.",
        "Hors saison, les prix baissent et les rues retrouvent leur calme.",
    ),
}

LOISIRS_THEMES = {
    "cuisine": (
        "la tarte Tatin",
        "une soupe de saison",
        "le potager d'automne",
        "la raclette",
        "le pain au levain",
        "les crêpes",
        "le gratin dauphinois",
        "le chocolat chaud",
    ),
    "sport": (
        "le récap de la Ligue 1",
        "la préparation au marathon",
        "le XV de France",
        "les stations de ski",
        "la saison de tennis",
        "le yoga du matin",
        "la pétanque",
    ),
}

LOISIRS_CLOSINGS = (
    "Bon week-end à toutes et à tous !",
    "Et vous, quelle est votre adresse préférée ? Dites-le-nous en commentaire.",
    "À la semaine prochaine pour de nouvelles idées.",
    "Bonne dégustation, et surtout, prenez votre temps.",
)


PROFILES_YAML = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante à Lyon, je veux être reconnue comme experte du recrutement
      de profils data et développeurs (data engineers, data scientists, développeurs backend et
      full stack). Je cherche à attirer des clients, startups et PME qui recrutent leurs
      premières équipes techniques, et des candidats expérimentés. Je partage une veille sur le
      marché de l'emploi tech, les délais et les processus de recrutement, l'entretien
      structuré, la marque employeur, la transparence salariale, l'expérience candidat et le
      sourcing, avec un regard concret de terrain.
    language: fr
    timezone: Europe/Paris
    keywords:
      boost: [recrutement, data engineers, développeurs, marque employeur, sourcing]
      block: [recette, ligue 1, horoscope]
    schedule:
      slots:
        - {day: mon, time: "08:30", kind: relay}
        - {day: tue, time: "12:15", kind: original}
        - {day: wed, time: "08:30", kind: relay}
        - {day: fri, time: "09:00", kind: relay}
      horizon_days: 14
      weekly_minutes: 120
      min_score: 0.05
      # The sample items span the ten days before the demo: let them fill both weeks.
      max_age_days: 30
    digest: {time: "07:30", min_score: 0.05, to: [claire@example.org]}
  - name: sam
    objective: |
      B2B sales consultant helping SaaS founders build outbound prospecting and social selling
      from scratch. I want to grow my network of founders, heads of sales and sales leaders,
      and be known for practical advice on discovery calls, cold email, LinkedIn posts that
      start sales conversations, pipeline and forecasting, pricing and closing deals without
      discounting. I also follow startup fundraising and go-to-market news.
    language: en
    timezone: America/New_York
    keywords:
      boost: [outbound, social selling, founders, SaaS, pipeline]
      block: [recipe, horoscope]
    schedule:
      slots:
        - {day: tue, time: "09:00", kind: relay}
        - {day: wed, time: "17:00", kind: original}
        - {day: thu, time: "09:00", kind: relay}
      horizon_days: 14
      weekly_minutes: 120
      min_score: 0.05
      # The sample items span the ten days before the demo: let them fill both weeks.
      max_age_days: 30
    digest: {time: "07:30", min_score: 0.05, to: [sam@example.org]}
"""

# --- feed specifications -------------------------------------------------------------------

UTM = "utm_source=actu-numerique&utm_medium=rss&utm_campaign=veille-rh"
REPOST_PREFIX = "Vu sur Le Blog RH : "
REPOST_COUNT = 3
WINDOW_DAYS = 10.0  # items are spread over this many days before `now`


@dataclass(frozen=True)
class _Spec:
    slug: str
    name: str
    language: str
    kind: str
    description: str
    authors: tuple[str, ...]
    titles: tuple[tuple[str, str], ...]
    bank: tuple[str, ...]
    leads: tuple[str, ...] = ()  # default: the language's leads
    closings: tuple[str, ...] = ()  # default: the language's closings
    general: bool = True  # mix in the language's general sentences
    bank_by_subject: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    truncated: bool = False
    paragraphs: tuple[int, int] = (4, 6)
    # Full-content entries stay well past the ~120 words under which readers (and curator's
    # full-text policy) take an entry for an excerpt.
    min_words: int = 150

    @property
    def path(self) -> str:
        ext = {"rss": "xml", "atom": "atom", "json": "json"}[self.kind]
        return f"/feeds/{self.slug}.{ext}"


SPECS = (
    _Spec(
        "talent-weekly",
        "Talent Weekly",
        "en",
        "rss",
        "Recruiting, hiring and HR tech, every week.",
        ("Megan Holt", "Daniel Okafor", "Priya Raman"),
        TALENT_TITLES,
        TALENT_BANK,
    ),
    _Spec(
        "le-blog-rh",
        "Le Blog RH",
        "fr",
        "rss",
        "Recrutement, marché de l'emploi et marque employeur.",
        ("Camille Roux", "Julien Marchand", "Sophie Besson"),
        BLOG_RH_TITLES,
        BLOG_RH_BANK,
        truncated=True,
        paragraphs=(5, 8),
    ),
    _Spec(
        "future-of-work",
        "Future of Work",
        "en",
        "rss",
        "Remote work, AI at work and the skills that matter next.",
        ("Hannah Clarke", "Tom Reyes"),
        FUTURE_TITLES,
        FUTURE_BANK,
    ),
    _Spec(
        "vente-prospection",
        "Vente & Prospection",
        "fr",
        "rss",
        "Vente B2B, prospection et social selling.",
        ("Nicolas Perrin", "Aurélie Fabre"),
        VENTE_TITLES,
        VENTE_BANK,
    ),
    _Spec(
        "b2b-sales-notes",
        "B2B Sales Notes",
        "en",
        "atom",
        "Field notes on outbound, discovery and closing for B2B sellers.",
        ("Mark Delaney",),
        B2B_TITLES,
        B2B_BANK,
    ),
    _Spec(
        "startup-radar",
        "Startup Radar",
        "en",
        "json",
        "Fundraising, cybersecurity and product news for founders.",
        ("Lena Fischer", "Omar Haddad"),
        STARTUP_TITLES,
        STARTUP_BANK,
    ),
    _Spec(
        "actu-numerique",
        "Actu Numérique",
        "fr",
        "rss",
        "L'actualité du numérique en français, sélectionnée chaque jour.",
        ("La rédaction", "Thomas Girard", "Inès Benali"),
        ACTU_TITLES,
        ACTU_BANK,
    ),
    _Spec(
        "week-end-loisirs",
        "Week-end & Loisirs",
        "fr",
        "rss",
        "Cuisine, sport et voyages pour bien profiter du week-end.",
        ("Marie Lefèvre", "Paul Garnier"),
        LOISIRS_TITLES,
        LOISIRS_BANKS["sorties"],
        leads=LOISIRS_LEADS,
        closings=LOISIRS_CLOSINGS,
        general=False,
        paragraphs=(3, 4),
        min_words=0,  # leisure tips are short; fetching their pages is harmless
        bank_by_subject={
            subject: LOISIRS_BANKS[theme]
            for theme, subjects in LOISIRS_THEMES.items()
            for subject in subjects
        },
    ),
)

# Talent Weekly repeats this entry, same guid, as feeds do after an edit or a CMS hiccup.
DUPLICATED_TITLE = "The hidden cost of a slow offer process"

# --- generated entries ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    guid: str
    title: str
    url: str  # absolute link, as published in the feed
    slug: str  # article page: /articles/<slug>.html
    author: str
    published: datetime
    language: str
    paragraphs: tuple[str, ...]  # plain text
    html: str  # the entry's content as HTML
    teaser: str  # a short plain-text summary


@dataclass
class _Built:
    """Mutable accumulator while building; frozen into SampleSite at the end."""

    base_url: str
    now: datetime
    seed: int
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)


def build_sample(base_url: str, *, now: datetime, seed: int = 7) -> SampleSite:
    """The demo site for `base_url` (e.g. "http://127.0.0.1:54321"), dated before `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    built = _Built(base_url.rstrip("/"), now, seed)
    entries: dict[str, list[_Entry]] = {}
    for spec in SPECS:
        rng = random.Random(f"{seed}/{spec.slug}")
        entries[spec.slug] = _write_entries(spec, rng, built)
    entries["actu-numerique"] = _add_aggregator_extras(
        entries["actu-numerique"], entries["le-blog-rh"], built
    )
    entries["talent-weekly"] = _add_exact_duplicate(entries["talent-weekly"])
    feeds = []
    for spec in SPECS:
        ordered = sorted(entries[spec.slug], key=lambda e: e.published, reverse=True)
        built.files[spec.path] = _render_feed(spec, ordered, built)
        feeds.append(SampleFeed(spec.path, spec.name, spec.language, spec.kind, spec.truncated))
    built.files["/"] = (_index_page(built).encode(), "text/html; charset=utf-8")
    return SampleSite(tuple(feeds), dict(built.files), PROFILES_YAML)


def _write_entries(spec: _Spec, rng: random.Random, built: _Built) -> list[_Entry]:
    titles = list(spec.titles)
    if spec.slug == "actu-numerique":
        titles.append(ACTU_ENGLISH)
    entries = []
    leads = {lang: _lead_cycle(spec, lang, rng) for lang in ("fr", "en")}
    for number, (title_template, subject) in enumerate(titles, start=1):
        title = title_template.format(year=built.now.year)
        language = "en" if (title_template, subject) == ACTU_ENGLISH else spec.language
        body_spec = spec if language == spec.language else SPECS[2]  # Future of Work's bank
        lead = next(leads[language])
        paragraphs = _write_body(body_spec, rng, f"{title} {subject}", subject, language, lead)
        slug = _unique_slug(title, built.slugs)
        url = f"{built.base_url}/articles/{slug}.html"
        published = _published(rng, built.now)
        author = rng.choice(spec.authors)
        teaser = _teaser(paragraphs[0]) if spec.truncated else _summary(paragraphs)
        html = _content_html(paragraphs, rng, language)
        entry = _Entry(
            guid=_guid(spec, number),
            title=title,
            url=url,
            slug=slug,
            author=author,
            published=published,
            language=language,
            paragraphs=paragraphs,
            html=html,
            teaser=teaser,
        )
        entries.append(entry)
        built.files[f"/articles/{slug}.html"] = (
            _article_page(spec, entry, built).encode(),
            "text/html; charset=utf-8",
        )
    return entries


def _write_body(
    spec: _Spec, rng: random.Random, topic: str, subject: str, language: str, lead: str
) -> tuple[str, ...]:
    fr = language == "fr"
    closings = spec.closings or (FR_CLOSINGS if fr else EN_CLOSINGS)
    # Drawn without replacement, so no sentence repeats inside one article; at most one
    # general remark, so every article stays on its feed's topic.
    pool = _on_topic_last(list(spec.bank_by_subject.get(subject, spec.bank)), topic, rng)
    if spec.general and rng.random() < 0.6:
        general = FR_GENERAL if fr else EN_GENERAL
        pool.insert(rng.randint(len(pool) - 8, len(pool) - 3), rng.choice(general))
    count = rng.randint(*spec.paragraphs)
    paragraphs = [f"{lead.format(subject=subject)} {_fill(pool.pop(), rng, fr)}"]
    middle = 0
    while middle < count - 2 or _words(paragraphs) < spec.min_words:
        size = rng.randint(2, 3)
        paragraphs.append(" ".join(_fill(pool.pop(), rng, fr) for _ in range(size)))
        middle += 1
    ending = _fill(pool.pop(), rng, fr)
    # Only some articles sign off, as on real sites; always would read like a template.
    paragraphs.append(f"{ending} {rng.choice(closings)}" if rng.random() < 0.5 else ending)
    return tuple(paragraphs)


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def _on_topic_last(pool: list[str], topic: str, rng: random.Random) -> list[str]:
    """Shuffle, then move the few sentences sharing words with the topic to the end, where
    `pop()` takes them first: the article opens on its subject, the rest stays varied."""
    rng.shuffle(pool)
    keys = _stems(topic)
    overlap = {s: len(_stems(s) & keys) for s in pool}
    matching = sorted((s for s in pool if overlap[s]), key=overlap.__getitem__)[-3:]
    return [s for s in pool if s not in matching] + matching


def _stems(text: str) -> set[str]:
    # A crude stem (the first six letters of long words) is enough to match
    # "recruteurs"/"recrutement" or "candidate"/"candidates".
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return {w[:6] for w in re.findall(r"[a-z]{5,}", plain)} - _COMMON


# Long words that match too many sentences to say anything about the topic.
_COMMON = frozenset(
    word[:6]
    for word in (
        "toujours",
        "encore",
        "notre",
        "votre",
        "comment",
        "pourquoi",
        "quand",
        "souvent",
        "desormais",
        "where",
        "about",
        "their",
        "there",
        "which",
        "would",
        "these",
        "every",
        "without",
        "actually",
        "really",
        "first",
        "after",
        "before",
    )
)


def _lead_cycle(spec: _Spec, language: str, rng: random.Random) -> Iterator[str]:
    """Leads in shuffled rounds, so neighbouring articles never open the same way."""
    leads = list(spec.leads or (FR_LEADS if language == "fr" else EN_LEADS))
    while True:
        rng.shuffle(leads)
        yield from leads


def _fill(template: str, rng: random.Random, fr: bool) -> str:
    fillers = FR_FILLERS if fr else EN_FILLERS
    values = {key: rng.choice(options) for key, options in fillers.items()}
    values |= {
        "pct": str(rng.randint(12, 68)),
        "n": str(rng.randint(3, 9)),
        "weeks": str(rng.randint(5, 14)),
        "count": str(rng.choice((120, 180, 240, 350, 420, 600, 1200))),
    }
    return template.format_map(values)


def _published(rng: random.Random, now: datetime) -> datetime:
    # At least 20 minutes old, never in the future; whole seconds, as feeds usually publish.
    age = timedelta(minutes=20) + timedelta(days=rng.uniform(0.0, WINDOW_DAYS - 0.05))
    return (now - age).replace(microsecond=0)


def _guid(spec: _Spec, number: int) -> str:
    # Independent of base_url, so a demo served on another port keeps the same identities.
    if spec.kind == "atom":
        return f"tag:{spec.slug}.example,2026:post-{number}"
    return f"{spec.slug}-{1000 + number}"


def _unique_slug(title: str, taken: set[str]) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:70].rstrip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _teaser(lead: str) -> str:
    """One or two sentences of the lead, cut with "[…]" as truncating CMSs do."""
    sentences = re.split(r"(?<=[.?!])\s+", lead)
    text = sentences[0]
    if len(text) < 80 and len(sentences) > 1:
        text = f"{text} {sentences[1]}"
    return f"{text.rstrip('.')} […]"


def _summary(paragraphs: tuple[str, ...]) -> str:
    return re.split(r"(?<=[.?!])\s+", paragraphs[0])[0]


def _content_html(paragraphs: tuple[str, ...], rng: random.Random, language: str) -> str:
    """Paragraphs as HTML, some with a <strong> sentence and a link to the site."""
    parts = []
    for i, text in enumerate(paragraphs):
        body = escape(text, quote=False)
        if i == 1 and rng.random() < 0.4:
            first, _, rest = body.partition(". ")
            body = f"<strong>{first}.</strong> {rest}" if rest else f"<strong>{body}</strong>"
        parts.append(f"<p>{body}</p>")
    if rng.random() < 0.3:
        label = "Toutes nos analyses" if language == "fr" else "More analysis on our site"
        parts.append(f'<p><a href="/">{label}</a></p>')
    return "\n".join(parts)


def _add_exact_duplicate(entries: list[_Entry]) -> list[_Entry]:
    original = next(e for e in entries if e.title == DUPLICATED_TITLE)
    return [*entries, original]


def _add_aggregator_extras(
    actu: list[_Entry], blog_rh: list[_Entry], built: _Built
) -> list[_Entry]:
    """Append REPOST_COUNT near-verbatim copies of Blog RH stories, with tracking links."""
    rng = random.Random(f"{built.seed}/reposts")
    originals = rng.sample(blog_rh, REPOST_COUNT)
    extras = []
    for number, original in enumerate(originals, start=len(actu) + 1):
        # Reposted a few hours later, but never after `now`.
        delay = timedelta(hours=rng.uniform(2.0, 10.0))
        published = min(original.published + delay, built.now - timedelta(minutes=5))
        credit = "Article initialement publié sur Le Blog RH."
        paragraphs = (*original.paragraphs[:-1], f"{original.paragraphs[-1]} {credit}")
        html = "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
        extras.append(
            _Entry(
                guid=f"actu-numerique-{1000 + number}",
                title=f"{REPOST_PREFIX}{original.title}",
                url=f"{original.url}?{UTM}",
                slug=original.slug,
                author=original.author,
                published=published,
                language="fr",
                paragraphs=paragraphs,
                html=html,
                teaser=_summary(paragraphs),
            )
        )
    return [*actu, *extras]


# --- renderers -----------------------------------------------------------------------------


def _render_feed(spec: _Spec, entries: list[_Entry], built: _Built) -> tuple[bytes, str]:
    if spec.kind == "atom":
        return _atom(spec, entries, built).encode(), "application/atom+xml; charset=utf-8"
    if spec.kind == "json":
        return _json_feed(spec, entries, built).encode(), "application/feed+json; charset=utf-8"
    return _rss(spec, entries, built).encode(), "application/rss+xml; charset=utf-8"


def _x(text: str) -> str:
    return escape(text, quote=True)


def _rss(spec: _Spec, entries: list[_Entry], built: _Built) -> str:
    items = []
    for e in entries:
        if spec.truncated:
            body = f"    <description>{_x(e.teaser)}</description>"
        else:
            body = (
                f"    <description>{_x(e.teaser)}</description>\n"
                f"    <content:encoded><![CDATA[{e.html}]]></content:encoded>"
            )
        items.append(
            "  <item>\n"
            f"    <title>{_x(e.title)}</title>\n"
            f"    <link>{_x(e.url)}</link>\n"
            f'    <guid isPermaLink="false">{_x(e.guid)}</guid>\n'
            f"    <dc:creator>{_x(e.author)}</dc:creator>\n"
            f"    <pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>\n"
            f"{body}\n"
            "  </item>"
        )
    language = "fr-FR" if spec.language == "fr" else "en-US"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "<channel>\n"
        f"  <title>{_x(spec.name)}</title>\n"
        f"  <link>{_x(built.base_url)}/</link>\n"
        f"  <description>{_x(spec.description)}</description>\n"
        f"  <language>{language}</language>\n"
        f"  <lastBuildDate>{format_datetime(entries[0].published, usegmt=True)}</lastBuildDate>\n"
        f'  <atom:link href="{_x(built.base_url + spec.path)}" rel="self"'
        ' type="application/rss+xml"/>\n' + "\n".join(items) + "\n</channel>\n</rss>\n"
    )


def _atom(spec: _Spec, entries: list[_Entry], built: _Built) -> str:
    self_url = built.base_url + spec.path
    parts = []
    for e in entries:
        parts.append(
            "  <entry>\n"
            f"    <id>{_x(e.guid)}</id>\n"
            f"    <title>{_x(e.title)}</title>\n"
            f'    <link rel="alternate" type="text/html" href="{_x(e.url)}"/>\n'
            f"    <published>{e.published.isoformat()}</published>\n"
            f"    <updated>{e.published.isoformat()}</updated>\n"
            f"    <author><name>{_x(e.author)}</name></author>\n"
            f"    <summary>{_x(e.teaser)}</summary>\n"
            f'    <content type="html">{_x(e.html)}</content>\n'
            "  </entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{spec.language}">\n'
        f"  <id>tag:{spec.slug}.example,2026:feed</id>\n"
        f"  <title>{_x(spec.name)}</title>\n"
        f"  <subtitle>{_x(spec.description)}</subtitle>\n"
        f"  <updated>{entries[0].published.isoformat()}</updated>\n"
        f'  <link rel="self" type="application/atom+xml" href="{_x(self_url)}"/>\n'
        f'  <link rel="alternate" type="text/html" href="{_x(built.base_url)}/"/>\n'
        + "\n".join(parts)
        + "\n</feed>\n"
    )


def _json_feed(spec: _Spec, entries: list[_Entry], built: _Built) -> str:
    items = [
        {
            "id": e.guid,
            "url": e.url,
            "title": e.title,
            "content_html": e.html,
            "summary": e.teaser,
            "date_published": e.published.isoformat(),
            "authors": [{"name": e.author}],
            "language": e.language,
        }
        for e in entries
    ]
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.name,
        "home_page_url": f"{built.base_url}/",
        "feed_url": built.base_url + spec.path,
        "description": spec.description,
        "language": spec.language,
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _human_date(moment: datetime, language: str) -> str:
    return i18n.language(language).format_date(
        moment, "d MMMM y" if language == "fr" else "MMMM d, y"
    )


def _article_page(spec: _Spec, entry: _Entry, built: _Built) -> str:
    """A realistic article page: site chrome and noise around one <article>."""
    fr = entry.language == "fr"
    base = built.base_url
    nav = (
        ("Accueil", "Actualités", "Dossiers", "Agenda", "Newsletter", "Contact")
        if fr
        else ("Home", "News", "Guides", "Events", "Newsletter", "Contact")
    )
    nav_html = "".join(f'<li><a href="/">{_x(label)}</a></li>' for label in nav)
    titles = (t.format(year=built.now.year) for t, _ in spec.titles)
    related = [t for t in titles if t != entry.title][:5]
    related_html = "".join(f'<li><a href="/">{_x(t)}</a></li>' for t in related)
    paragraphs = "\n".join(f"      <p>{_x(p)}</p>" for p in entry.paragraphs)
    iso = entry.published.isoformat()
    byline = "Par" if fr else "By"
    cookie = (
        "Nous utilisons des cookies pour mesurer l'audience de ce site."
        if fr
        else "We use cookies to measure the audience of this site."
    )
    accept = "Accepter" if fr else "Accept"
    popular = "Les plus lus" if fr else "Most read"
    newsletter = (
        "Recevez chaque semaine nos meilleurs articles par e-mail."
        if fr
        else "Get our best articles by email every week."
    )
    legal = (
        "Mentions légales · Confidentialité · Plan du site" if fr else "Legal · Privacy · Sitemap"
    )
    return f"""<!DOCTYPE html>
<html lang="{entry.language}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_x(entry.title)} | {_x(spec.name)}</title>
  <meta name="description" content="{_x(entry.teaser)}">
  <meta name="author" content="{_x(entry.author)}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{_x(entry.title)}">
  <meta property="og:url" content="{_x(base)}/articles/{entry.slug}.html">
  <meta property="og:site_name" content="{_x(spec.name)}">
  <meta property="article:published_time" content="{iso}">
  <meta property="article:author" content="{_x(entry.author)}">
  <link rel="canonical" href="{_x(base)}/articles/{entry.slug}.html">
  <link rel="alternate" type="application/rss+xml" title="{_x(spec.name)}"
        href="{_x(base + spec.path)}">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <div class="cookie-banner">{cookie} <button>{accept}</button></div>
  <header class="site-header">
    <a class="logo" href="/">{_x(spec.name)}</a>
    <nav><ul>{nav_html}</ul></nav>
  </header>
  <main class="layout">
    <article>
      <h1>{_x(entry.title)}</h1>
      <p class="byline">{byline} <span class="author">{_x(entry.author)}</span> ·
        <time datetime="{iso}">{_human_date(entry.published, entry.language)}</time></p>
{paragraphs}
    </article>
    <aside class="sidebar">
      <h2>{popular}</h2>
      <ul>{related_html}</ul>
      <div class="newsletter"><p>{newsletter}</p>
        <form><input type="email" placeholder="e-mail"><button>OK</button></form></div>
    </aside>
  </main>
  <footer class="site-footer">
    <p>© {built.now.year} {_x(spec.name)} · {legal}</p>
  </footer>
</body>
</html>
"""


def _index_page(built: _Built) -> str:
    """The site's home page, with one autodiscovery <link> per feed."""
    types = {
        "rss": "application/rss+xml",
        "atom": "application/atom+xml",
        "json": "application/feed+json",
    }
    links = "\n".join(
        f'  <link rel="alternate" type="{types[s.kind]}" title="{_x(s.name)}"'
        f' href="{_x(built.base_url + s.path)}">'
        for s in SPECS
    )
    items = "\n".join(
        f'    <li><a href="{_x(s.path)}">{_x(s.name)}</a> — {_x(s.description)}</li>' for s in SPECS
    )
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>curator demo feeds</title>
{links}
</head>
<body>
  <h1>curator demo feeds</h1>
  <p>Generated sample data, served locally for the offline demo.</p>
  <ul>
{items}
  </ul>
</body>
</html>
"""
