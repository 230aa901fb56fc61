//! The learned model of the team's decisions.

/// (key, Dutch, English)
pub(super) const LEARNING: &[(&str, &str, &str)] = &[
    (
        "model_title",
        "Geleerd van het team",
        "Learned from the team",
    ),
    (
        "model_intro",
        "Elk besluit van het team is een voorbeeld: een beslissing van een teamleider in de beoordelingsrij, een antwoord van een medewerker, een zaak die zonder antwoord is gesloten. Het model dat daaruit leert is één aanwijzing naast de regels: de regels beslissen, en waar regels en model het oneens zijn zonder dat het model zeker is, beslist een teamleider.",
        "Every decision of the team is an example: a lead's decision in the review queue, an agent's reply, a case closed without a reply. The model learned from them is one piece of evidence next to the rules: the rules decide, and where rules and model disagree without the model being sure, a lead decides.",
    ),
    ("model_decisions", "Bewaarde besluiten", "Decisions kept"),
    (
        "model_train",
        "Nu een nieuwe versie leren",
        "Learn a new version now",
    ),
    (
        "model_needs",
        "Er zijn minstens {n} besluiten van twee soorten nodig.",
        "At least {n} decisions of two kinds are needed.",
    ),
    ("model_versions", "Versies", "Versions"),
    ("model_version", "Versie", "Version"),
    ("model_made", "Gemaakt", "Made"),
    ("model_by", "Door", "By"),
    (
        "model_holdout",
        "Eens met het team (nieuwste besluiten)",
        "Agrees with the team (latest decisions)",
    ),
    (
        "model_changes",
        "Oordelen die veranderen",
        "Verdicts that change",
    ),
    ("model_active", "actief", "active"),
    (
        "model_none",
        "Nog geen geleerd model: de regels beslissen alleen.",
        "No learned model yet: the rules decide alone.",
    ),
    (
        "model_trained",
        "Versie {version} geleerd van {decisions} besluiten; eens met het team bij {holdout} % van de nieuwste besluiten; {changes} van de laatste {compared} oordelen veranderen. Deze versie is nu actief.",
        "Version {version} learned from {decisions} decisions; agrees with the team on {holdout}% of the latest decisions; {changes} of the last {compared} verdicts change. This version is now active.",
    ),
    (
        "model_not_trained",
        "Er is geen nieuwe versie geleerd",
        "No new version was learned",
    ),
    ("nav_model", "Geleerd model", "Learned model"),
    (
        "model_no_new",
        "Geen nieuwe besluiten sinds versie {version}: een nieuwe versie zou hetzelfde model zijn.",
        "No new decisions since version {version}: a new version would be the same model.",
    ),
    ("confidence", "zekerheid", "confidence"),
];
