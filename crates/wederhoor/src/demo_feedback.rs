//! The demo's feedback page: two boards, four verified customers, sixteen ideas for the
//! fictional Zuiderbank with votes, reactions, staff answers and status changes in every colour,
//! one pinned idea, and inbox messages attached as evidence. Our own Dutch texts.

use anyhow::Context;
use wederhoor_core::idea::Department;
use wederhoor_core::{AccountId, AgentId, BoardId, IdeaId};
use wederhoor_store::{
    Agent, NewAccount, NewBoard, NewIdea, NewMail, NewReaction, Poster, Store, random_token,
};

/// The demo customer login printed next to the agents' logins.
pub const CUSTOMER_EMAIL: &str = "klant@zuiderbank.example";

const CUSTOMERS: &[(&str, &str)] = &[
    (CUSTOMER_EMAIL, "Fleur Klaassen"),
    ("daan@zuiderbank.example", "Daan Hoekstra"),
    ("noor@zuiderbank.example", "Noor El Amrani"),
    ("bakkerij@zuiderbank.example", "Bakkerij Verhoeven"),
];

/// Who answers for which department: (username, department).
const DEPARTMENTS: &[(&str, Department)] = &[
    ("priya", Department::Product),
    ("lisa", Department::CustomerService),
    ("mehmet", Department::Marketing),
];

struct DemoIdea {
    /// 0: particulier, 1: zakelijk.
    board: usize,
    /// Index into `CUSTOMERS`.
    author: usize,
    title: &'static str,
    body: &'static str,
    /// Other customers who vote (indexes into `CUSTOMERS`).
    voters: &'static [usize],
    /// (status key, explanation, staff username); `None` leaves it new.
    status: Option<(&'static str, &'static str, &'static str)>,
    /// A staff answer (username, text).
    answer: Option<(&'static str, &'static str)>,
    /// A customer reaction (customer, text) and a threaded reply to it (customer, text).
    reaction: Option<(usize, &'static str)>,
    reply: Option<(usize, &'static str)>,
    /// Text of inbox messages to attach as evidence.
    evidence: Option<&'static str>,
    pinned: bool,
}

const IDEAS: &[DemoIdea] = &[
    DemoIdea {
        board: 0,
        author: 0,
        title: "Donkere modus in de ZuiderApp",
        body: "'s Avonds is het witte scherm van de app fel. Een donkere modus die de instelling van mijn telefoon volgt, zou prettig zijn voor de ogen en de batterij.",
        voters: &[1, 2, 3],
        status: Some((
            "planned",
            "Goed nieuws: de donkere modus staat voor het voorjaar op de planning. We beginnen met de hoofdschermen en volgen de instelling van je telefoon.",
            "priya",
        )),
        answer: Some((
            "priya",
            "Dank voor het idee en alle stemmen. We testen de kleuren nu met een groep klanten, ook op leesbaarheid voor slechtzienden.",
        )),
        reaction: Some((
            1,
            "Graag ook voor de grafieken in het uitgavenoverzicht, die zijn nu erg licht.",
        )),
        reply: Some((0, "Eens, en liefst ook voor de schermen van het inloggen.")),
        evidence: Some("donkere modus"),
        pinned: true,
    },
    DemoIdea {
        board: 0,
        author: 1,
        title: "Apple Pay en Google Pay ook op oudere telefoons",
        body: "Mijn telefoon is vijf jaar oud en werkt prima, maar betalen met de telefoon lukt niet met mijn Zuiderpas. Kunnen oudere toestellen ook ondersteund worden?",
        voters: &[0, 2],
        status: Some((
            "under_review",
            "We bekijken samen met de kaartleverancier welke oudere toestellen veilig ondersteund kunnen worden. We laten het hier weten zodra we meer weten.",
            "priya",
        )),
        answer: None,
        reaction: None,
        reply: None,
        evidence: Some("Apple Pay toevoegen"),
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 2,
        title: "Bedragen afronden en het verschil automatisch sparen",
        body: "Bij elke pinbetaling het bedrag naar boven afronden op een hele euro en het verschil naar mijn spaarrekening. Zo spaar ik zonder dat ik erbij stil hoef te staan.",
        voters: &[0, 1, 3],
        status: Some((
            "done",
            "Afronden en sparen is er! Je zet het aan onder Sparen > Automatisch sparen en kiest zelf naar welke spaarrekening het verschil gaat.",
            "priya",
        )),
        answer: None,
        reaction: Some((
            3,
            "Werkt goed, in een maand ruim twintig euro gespaard zonder het te merken.",
        )),
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 1,
        title: "Gezamenlijke rekening voor jongvolwassenen",
        body: "Mijn vriendin en ik zijn allebei twintig en willen samen een rekening voor de huur en boodschappen. Nu kan dat pas vanaf een bepaalde leeftijd of met extra kosten.",
        voters: &[2],
        status: None,
        answer: None,
        reaction: Some((
            2,
            "Zelfde situatie hier, we houden nu alles bij in een spreadsheet.",
        )),
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 0,
        title: "Daglimiet van de pinpas zelf instellen in de app",
        body: "Ik wil mijn daglimiet voor pinnen tijdelijk verhogen als ik op vakantie ga, en daarna weer verlagen. Nu moet ik daarvoor bellen.",
        voters: &[1, 3],
        status: Some((
            "planned",
            "Het aanpassen van de daglimiet komt in de app, met een bevestiging via je vingerafdruk of pincode. Een tijdelijke verhoging gaat na de gekozen periode vanzelf terug.",
            "priya",
        )),
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 2,
        title: "Spaardoelen met een eigen foto",
        body: "Een foto bij een spaardoel, bijvoorbeeld van de reis waarvoor ik spaar, maakt het leuker om door te zetten.",
        voters: &[0],
        status: Some((
            "declined",
            "We hebben dit zorgvuldig bekeken. Het opslaan van eigen foto's vraagt om extra beveiliging en opslag die niet in verhouding staat tot het gebruik. We kiezen voor vaste illustraties per soort doel.",
            "priya",
        )),
        answer: None,
        reaction: Some((
            0,
            "Jammer, maar de illustraties zijn ook al een verbetering.",
        )),
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 3,
        title: "Melding bij elke afschrijving boven een zelfgekozen bedrag",
        body: "Graag een pushbericht als er meer dan een bedrag dat ik zelf kies van mijn rekening gaat. Dan zie ik ongewone afschrijvingen meteen.",
        voters: &[0, 1, 2],
        status: Some((
            "under_review",
            "Meldingen per bedrag passen bij ons werk aan fraudepreventie. We onderzoeken hoe we dit combineren met de bestaande meldingen zonder dat je er te veel krijgt.",
            "lisa",
        )),
        answer: Some((
            "lisa",
            "Tot die tijd kun je onder Instellingen > Meldingen al een bericht krijgen bij elke betaling met je pas.",
        )),
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 1,
        title: "Overzicht van al mijn abonnementen",
        body: "Een lijst van vaste afschrijvingen zoals streamingdiensten en de sportschool, met het totaal per maand. Handig om te zien wat ik kan opzeggen.",
        voters: &[0, 3],
        status: None,
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 0,
        author: 3,
        title: "Grotere letters en een eenvoudige weergave",
        body: "Mijn vader van tachtig bankiert zelf, maar de letters zijn klein en er staat veel op het scherm. Een eenvoudige weergave met alleen saldo, overmaken en contact zou hem helpen.",
        voters: &[0, 1, 2],
        status: Some((
            "done",
            "De eenvoudige weergave staat in de nieuwste versie van de app onder Instellingen > Weergave. De letters volgen nu ook de lettergrootte van je telefoon.",
            "priya",
        )),
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 3,
        title: "Facturen maken in de zakelijke app",
        body: "Als kleine ondernemer wil ik vanuit de app een factuur sturen met betaallink, en zien wanneer die betaald is. Nu gebruik ik daar een los pakket voor.",
        voters: &[0, 1],
        status: Some((
            "under_review",
            "We onderzoeken of we dit zelf bouwen of samenwerken met een boekhoudpakket. We praten deze maand met een aantal ondernemers die meedenken.",
            "priya",
        )),
        answer: Some((
            "priya",
            "Wil je meedenken? Laat het weten in een reactie, dan nemen we contact op.",
        )),
        reaction: Some((3, "Ja graag, ik denk mee!")),
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 3,
        title: "Batchbetalingen via SEPA voor het mkb",
        body: "Elke maand betaal ik twintig leveranciers. Een bestand met alle betalingen in een keer uploaden en met een handtekening goedkeuren scheelt veel tijd.",
        voters: &[1],
        status: Some((
            "planned",
            "Batchbetalingen met een SEPA-bestand komen naar Zuiderbank Zakelijk. Je keurt de hele batch in een keer goed in de app.",
            "priya",
        )),
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 1,
        title: "Betalingen goedkeuren met twee personen",
        body: "In onze stichting moeten grote betalingen door twee bestuursleden worden goedgekeurd. Dat zou ik graag in de app regelen.",
        voters: &[3],
        status: Some((
            "done",
            "Goedkeuren met twee personen kan nu voor zakelijke rekeningen. Je stelt het bedrag in waarboven een tweede handtekening nodig is.",
            "lisa",
        )),
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 3,
        title: "Koppeling met boekhoudpakketten zonder extra kosten",
        body: "De koppeling met mijn boekhoudpakket kost nu een maandbedrag. Voor zzp'ers zou een gratis koppeling een groot verschil maken.",
        voters: &[0, 1, 2],
        status: Some((
            "declined",
            "De koppeling blijft een betaalde dienst, omdat de kosten per pakket verschillen. Wel is het eerste jaar voor nieuwe zakelijke klanten vanaf nu gratis.",
            "mehmet",
        )),
        answer: None,
        reaction: Some((
            2,
            "Begrijpelijk, maar jammer. Het gratis eerste jaar helpt wel.",
        )),
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 0,
        title: "Bonnetjes fotograferen bij een zakelijke uitgave",
        body: "Bij een betaling met de zakelijke pas direct een foto van de bon toevoegen, zodat ik aan het eind van het kwartaal niets kwijt ben.",
        voters: &[3],
        status: None,
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 2,
        title: "Btw-reservering op een aparte rekening",
        body: "Automatisch een deel van elke ontvangst apart zetten voor de btw, zodat ik bij de aangifte niet schrik.",
        voters: &[1, 3],
        status: None,
        answer: Some((
            "priya",
            "Mooi idee. Je kunt nu al een vaste overboeking naar een tweede rekening instellen; een percentage per ontvangst nemen we mee in ons onderzoek.",
        )),
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
    DemoIdea {
        board: 1,
        author: 1,
        title: "Meerdere gebruikers met eigen rechten",
        body: "Mijn boekhouder moet alles kunnen zien maar niets kunnen betalen. Graag rechten per gebruiker.",
        voters: &[0, 2, 3],
        status: Some((
            "under_review",
            "Rechten per gebruiker hangen samen met de nieuwe inlog voor zakelijke klanten. We delen in het voorjaar hoe dat eruit gaat zien.",
            "lisa",
        )),
        answer: None,
        reaction: None,
        reply: None,
        evidence: None,
        pinned: false,
    },
];

/// Fills the feedback page of a freshly loaded demo; returns the customer login
/// (e-mail, description) to print with the agents' logins.
pub async fn load(store: &Store, agents: &[Agent]) -> anyhow::Result<(String, String)> {
    let hash = wederhoor_web::hash_password(crate::demo::PASSWORD)?;
    let mut boards: Vec<BoardId> = Vec::new();
    for (slug, nl, en, dnl, den) in [
        (
            "particulier",
            "Particulier",
            "Personal",
            "Ideeën voor de ZuiderApp, je rekeningen en sparen.",
            "Ideas for the ZuiderApp, your accounts and savings.",
        ),
        (
            "zakelijk",
            "Zakelijk",
            "Business",
            "Ideeën voor ondernemers, zzp'ers en verenigingen.",
            "Ideas for businesses, freelancers and associations.",
        ),
    ] {
        let board = store
            .create_board(
                &NewBoard {
                    slug: slug.into(),
                    name_nl: nl.into(),
                    name_en: en.into(),
                    description_nl: dnl.into(),
                    description_en: den.into(),
                },
                None,
            )
            .await
            .with_context(|| format!("demo board {slug}"))?;
        boards.push(board.id);
    }

    let mut customers: Vec<(AccountId, String)> = Vec::new();
    for (email, name) in CUSTOMERS {
        let token = random_token();
        let account = store
            .create_account(
                &NewAccount {
                    email: (*email).into(),
                    display_name: (*name).into(),
                    password_hash: hash.clone(),
                    language: "nl".into(),
                },
                &token,
                &NewMail {
                    to: (*email).into(),
                    subject: "Bevestig je e-mailadres".into(),
                    body: "Welkom bij de ideeënpagina van Zuiderbank (demo).".into(),
                    idempotency_key: format!("demo-verify-{email}"),
                },
            )
            .await
            .with_context(|| format!("demo customer {email}"))?;
        store.verify_account(&token).await?;
        customers.push((account.id, (*name).to_owned()));
    }

    let staff = |username: &str| -> anyhow::Result<(AgentId, String, Option<Department>)> {
        let agent = agents
            .iter()
            .find(|a| a.username == username)
            .with_context(|| format!("demo agent {username}"))?;
        let department = DEPARTMENTS
            .iter()
            .find(|(u, _)| *u == username)
            .map(|(_, d)| *d);
        Ok((agent.id, agent.display_name.clone(), department))
    };
    for (username, department) in DEPARTMENTS {
        let (agent, _, _) = staff(username)?;
        store.set_agent_department(agent, Some(*department)).await?;
    }
    let customer = |i: usize| -> anyhow::Result<Poster> {
        let (account, name) = customers.get(i).context("demo customer")?;
        Ok(Poster::Customer {
            account: *account,
            name: name.clone(),
        })
    };
    let status_mail = |_: &wederhoor_store::Follower| {
        (
            "Nieuws over je idee".to_owned(),
            "De status van een idee dat je volgt is gewijzigd.".to_owned(),
        )
    };

    let mut created: Vec<(&str, IdeaId)> = Vec::new();
    for idea in IDEAS {
        let board = *boards.get(idea.board).context("demo board")?;
        let id: IdeaId = store
            .create_idea(&NewIdea {
                board,
                poster: customer(idea.author)?,
                title: idea.title.into(),
                body: idea.body.into(),
                hidden: None,
            })
            .await
            .with_context(|| format!("demo idea {:?}", idea.title))?;
        created.push((idea.title, id));
        for voter in idea.voters {
            let (account, _) = customers.get(*voter).context("demo voter")?;
            store.vote(id, *account).await?;
        }
        if let Some((who, text)) = idea.reaction {
            let parent = store
                .add_reaction(&NewReaction {
                    idea: id,
                    parent: None,
                    poster: customer(who)?,
                    body: text.into(),
                    hidden: None,
                })
                .await?;
            if let Some((who, text)) = idea.reply {
                store
                    .add_reaction(&NewReaction {
                        idea: id,
                        parent: Some(parent),
                        poster: customer(who)?,
                        body: text.into(),
                        hidden: None,
                    })
                    .await?;
            }
        }
        if let Some((username, text)) = idea.answer {
            let (agent, name, department) = staff(username)?;
            store
                .add_reaction(&NewReaction {
                    idea: id,
                    parent: None,
                    poster: Poster::Staff {
                        agent,
                        name,
                        department,
                    },
                    body: text.into(),
                    hidden: None,
                })
                .await?;
        }
        if let Some((status, explanation, username)) = idea.status {
            let (agent, name, department) = staff(username)?;
            store
                .set_idea_status(
                    id,
                    status,
                    explanation,
                    (agent, &name, department),
                    &status_mail,
                    None,
                )
                .await
                .with_context(|| format!("demo status {status}"))?;
        }
        if let Some(text) = idea.evidence {
            let (agent, _, _) = staff("priya")?;
            for message in store.message_ids_matching(text, 2).await? {
                store.attach_evidence(id, message, agent).await?;
            }
        }
        if idea.pinned {
            let (agent, _, _) = staff("lisa")?;
            store.pin_idea(id, true, agent).await?;
        }
    }
    let (lead, _, _) = staff("lisa")?;
    crate::demo_panels::load(
        store,
        &wederhoor_triage::Engine::default_engine(),
        &customers,
        lead,
        &created,
    )
    .await
    .context("the demo's panels")?;
    Ok((
        CUSTOMER_EMAIL.to_owned(),
        "klant op de ideeënpagina".to_owned(),
    ))
}
