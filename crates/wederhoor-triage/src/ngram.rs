//! A character-trigram fallback for language identification, for messages too short to hold
//! the stopwords `lang` relies on ("pinpas geblokkeerd", "account suspended").
//!
//! The trigram statistics are computed at start-up from the short texts below, written for
//! this project (everyday, news, shopping, telecom and banking language). No external corpus
//! is used.

use std::collections::HashMap;

const NL_TEXT: &str = "Gisteren ben ik met mijn zus naar de markt geweest om groente en fruit te kopen. \
Het regende de hele middag, dus we hebben daarna koffie gedronken in een gezellig café bij de haven. \
De gemeente wil volgend jaar een nieuwe brug bouwen over de rivier, maar veel bewoners maken zich \
zorgen over de kosten en het verkeer. Volgens de minister moet de regering meer investeren in \
onderwijs, gezondheidszorg en betaalbare woningen. De verkiezingen worden spannend, want de partijen \
liggen dicht bij elkaar in de peilingen. Mijn betaalpas is geblokkeerd nadat ik drie keer de verkeerde \
pincode had ingetoetst. Ik heb de klantenservice gebeld, maar de wachttijd was ontzettend lang. \
Uiteindelijk kreeg ik een vriendelijke medewerker aan de lijn die mijn probleem snel heeft opgelost. \
De overschrijving naar mijn spaarrekening is nog steeds niet bijgeschreven. De rente op sparen is \
laag, terwijl de hypotheekrente weer stijgt. Het boek dat ik vorige week las was prachtig geschreven, \
met een verrassend einde en sterke personages. Ik kon het nauwelijks wegleggen en heb het aan al \
mijn vrienden aangeraden. Helaas was de levering vertraagd en zat de verpakking vol deuken. \
Het internet thuis valt steeds weg en de monteur komt pas volgende maand. Waarom duurt dat zo lang? \
De kinderen spelen buiten in de tuin terwijl hun vader het avondeten klaarmaakt. Morgen vertrekt de \
trein vroeg, dus ik moet op tijd opstaan. Onderzoekers van de universiteit hebben ontdekt dat \
vogels in de stad vaker zingen dan vogels op het platteland. Het museum is gesloten wegens \
verbouwing en gaat in het voorjaar weer open. Bedankt voor de snelle hulp, echt fijn geregeld. \
Wij verhuizen binnenkort naar een kleinere woning dichter bij het werk. De overheid verhoogt de \
belastingen op brandstof en sigaretten. Elke zaterdag fietsen wij langs de dijk naar het strand. \
Zijn schoonvader werkt als timmerman en bouwt meubels van gerecycled hout. De burgemeester opende \
vanochtend de nieuwe bibliotheek. Afschrijving, bijschrijving, rekeningnummer, bankrekening, \
inloggen, wachtwoord, storing, gebruikelijk, eigenlijk, natuurlijk, gelukkig, vriendelijkheid, \
duidelijkheid, mogelijkheid, ziekenhuis, verzekering, uitkering, gemeentehuis, vergadering.";

const EN_TEXT: &str = "Yesterday I went to the market with my sister to buy vegetables and fruit. \
It rained the whole afternoon, so afterwards we had coffee in a cosy little place by the harbour. \
The council wants to build a new bridge over the river next year, but many residents are worried \
about the costs and the traffic. According to the minister, the government should invest more in \
education, healthcare and affordable housing. The election will be close, because the parties are \
neck and neck in the polls. My debit card was blocked after I typed the wrong PIN three times. \
I called customer service, but the waiting time was incredibly long. Eventually I got a friendly \
agent on the line who quickly solved my problem. The transfer to my savings account still hasn't \
arrived. Interest on savings is low, while mortgage rates are rising again. The book I read last \
week was beautifully written, with a surprising ending and strong characters. I could hardly put \
it down and have recommended it to all my friends. Unfortunately the delivery was delayed and the \
package was full of dents. The internet at home keeps dropping and the engineer won't come until \
next month. Why does that take so long? The children are playing outside in the garden while their \
father is cooking dinner. Tomorrow the train leaves early, so I have to get up on time. Researchers \
at the university found that birds in the city sing more often than birds in the countryside. The \
museum is closed for renovation and will reopen in the spring. Thanks for the quick help, really \
well handled. We are moving to a smaller house closer to work soon. The government is raising \
taxes on fuel and cigarettes. Every Saturday we cycle along the dike to the beach. His \
father-in-law works as a carpenter and builds furniture from recycled wood. The mayor opened the \
new library this morning. Payment, withdrawal, account number, password, outage, usually, \
actually, naturally, happiness, kindness, possibility, hospital, insurance, meeting, something, \
nothing, everything, through, though, thought, which, whether, without, weather, knowledge.";

const FR_TEXT: &str = "Hier, je suis allé au marché avec ma sœur pour acheter des légumes et des \
fruits. Il a plu tout l'après-midi, alors nous avons ensuite bu un café dans un petit endroit \
chaleureux près du port. La commune veut construire un nouveau pont sur la rivière l'année \
prochaine, mais beaucoup d'habitants s'inquiètent des coûts et de la circulation. Selon le \
ministre, le gouvernement devrait investir davantage dans l'éducation, la santé et le logement \
abordable. Les élections seront serrées, car les partis sont au coude à coude dans les sondages. \
Ma carte bancaire a été bloquée après que j'ai tapé trois fois le mauvais code. J'ai appelé le \
service client, mais l'attente était extrêmement longue. Finalement, un conseiller aimable a \
rapidement résolu mon problème. Le virement vers mon compte d'épargne n'est toujours pas arrivé. \
Les taux d'intérêt sur l'épargne sont bas, tandis que les taux hypothécaires augmentent de \
nouveau. Le livre que j'ai lu la semaine dernière était magnifiquement écrit, avec une fin \
surprenante et des personnages forts. Je ne pouvais presque pas le poser et je l'ai recommandé à \
tous mes amis. Malheureusement, la livraison a été retardée et le colis était abîmé. Internet à \
la maison se coupe sans cesse et le technicien ne viendra que le mois prochain. Pourquoi est-ce \
si long? Les enfants jouent dehors dans le jardin pendant que leur père prépare le dîner. Demain \
le train part tôt, donc je dois me lever à l'heure. Des chercheurs de l'université ont découvert \
que les oiseaux de la ville chantent plus souvent que ceux de la campagne. Le musée est fermé \
pour travaux et rouvrira au printemps. Merci pour l'aide rapide, vraiment bien géré. Nous \
déménageons bientôt dans une maison plus petite, plus près du travail. Le gouvernement augmente \
les taxes sur le carburant et les cigarettes. Chaque samedi, nous longeons la digue à vélo \
jusqu'à la plage. Son beau-père travaille comme menuisier et fabrique des meubles en bois \
recyclé. Le maire a inauguré la nouvelle bibliothèque ce matin. Paiement, retrait, numéro de \
compte, mot de passe, panne, généralement, naturellement, heureusement, possibilité, hôpital, \
assurance, réunion, quelque chose, aujourd'hui, beaucoup, toujours, pourquoi, également.";

const DE_TEXT: &str = "Gestern bin ich mit meiner Schwester auf den Markt gegangen, um Gemüse und \
Obst zu kaufen. Es hat den ganzen Nachmittag geregnet, also haben wir danach in einem gemütlichen \
Café am Hafen Kaffee getrunken. Die Gemeinde will nächstes Jahr eine neue Brücke über den Fluss \
bauen, aber viele Bewohner machen sich Sorgen über die Kosten und den Verkehr. Laut dem Minister \
sollte die Regierung mehr in Bildung, Gesundheit und bezahlbaren Wohnraum investieren. Die Wahl \
wird knapp, denn die Parteien liegen in den Umfragen gleichauf. Meine Bankkarte wurde gesperrt, \
nachdem ich dreimal die falsche Geheimzahl eingegeben hatte. Ich habe den Kundendienst angerufen, \
aber die Wartezeit war unglaublich lang. Schließlich hatte ich einen freundlichen Mitarbeiter am \
Telefon, der mein Problem schnell gelöst hat. Die Überweisung auf mein Sparkonto ist immer noch \
nicht angekommen. Die Zinsen für Ersparnisse sind niedrig, während die Hypothekenzinsen wieder \
steigen. Das Buch, das ich letzte Woche gelesen habe, war wunderschön geschrieben, mit einem \
überraschenden Ende und starken Figuren. Ich konnte es kaum weglegen und habe es allen meinen \
Freunden empfohlen. Leider wurde die Lieferung verzögert und das Paket war beschädigt. Das \
Internet zu Hause bricht ständig ab und der Techniker kommt erst nächsten Monat. Warum dauert das \
so lange? Die Kinder spielen draußen im Garten, während ihr Vater das Abendessen kocht. Morgen \
fährt der Zug früh, also muss ich rechtzeitig aufstehen. Forscher der Universität haben \
herausgefunden, dass Vögel in der Stadt öfter singen als Vögel auf dem Land. Das Museum ist wegen \
Umbau geschlossen und öffnet im Frühling wieder. Danke für die schnelle Hilfe, wirklich gut \
gemacht. Wir ziehen bald in eine kleinere Wohnung näher an der Arbeit. Die Regierung erhöht die \
Steuern auf Kraftstoff und Zigaretten. Jeden Samstag fahren wir mit dem Fahrrad am Deich entlang \
zum Strand. Sein Schwiegervater arbeitet als Schreiner und baut Möbel aus recyceltem Holz. Der \
Bürgermeister hat heute Morgen die neue Bibliothek eröffnet. Zahlung, Abhebung, Kontonummer, \
Passwort, Störung, gewöhnlich, eigentlich, natürlich, glücklich, Freundlichkeit, Möglichkeit, \
Krankenhaus, Versicherung, Versammlung, Wirtschaft, Gesellschaft, Zeitung, Entscheidung.";

/// Trigram log-probabilities per language (index as in `lang::LANGS`).
pub(crate) struct TrigramModel {
    logp: HashMap<[char; 3], [f32; 4]>,
    unseen: [f32; 4],
}

/// The trigrams of a normalised word, padded with a space on each side.
fn trigrams(word: &str, mut f: impl FnMut([char; 3])) {
    let mut a = ' ';
    let mut b = ' ';
    for c in word.chars().chain(std::iter::once(' ')) {
        if b != ' ' || a == ' ' {
            f([a, b, c]);
        }
        a = b;
        b = c;
    }
}

impl TrigramModel {
    pub(crate) fn new() -> TrigramModel {
        let mut counts: HashMap<[char; 3], [f32; 4]> = HashMap::new();
        let mut totals = [0f32; 4];
        for (i, text) in [NL_TEXT, EN_TEXT, FR_TEXT, DE_TEXT].iter().enumerate() {
            let norm = crate::text::normalize(text);
            for w in crate::text::words(&norm) {
                trigrams(w, |t| {
                    if let Some(c) = counts.entry(t).or_insert([0.0; 4]).get_mut(i) {
                        *c += 1.0;
                    }
                    if let Some(t) = totals.get_mut(i) {
                        *t += 1.0;
                    }
                });
            }
        }
        // Add-half smoothing over the trigrams seen in any language.
        let vocab = counts.len() as f32;
        let mut unseen = [0f32; 4];
        for (u, t) in unseen.iter_mut().zip(totals) {
            *u = (0.5 / (t + 0.5 * vocab)).ln();
        }
        let logp = counts
            .into_iter()
            .map(|(k, c)| {
                let mut lp = [0f32; 4];
                for ((l, c), t) in lp.iter_mut().zip(c).zip(totals) {
                    *l = ((c + 0.5) / (t + 0.5 * vocab)).ln();
                }
                (k, lp)
            })
            .collect();
        TrigramModel { logp, unseen }
    }

    /// The mean log-probability per trigram of the words of a normalised text, per language,
    /// and the number of trigrams.
    pub(crate) fn score(&self, norm: &str) -> ([f32; 4], usize) {
        let mut sum = [0f32; 4];
        let mut n = 0usize;
        for w in crate::text::words(norm) {
            if w.chars().any(|c| c.is_numeric()) {
                continue;
            }
            trigrams(w, |t| {
                let lp = self.logp.get(&t).unwrap_or(&self.unseen);
                for (s, l) in sum.iter_mut().zip(lp) {
                    *s += l;
                }
                n += 1;
            });
        }
        if n > 0 {
            for s in &mut sum {
                *s /= n as f32;
            }
        }
        (sum, n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn best(s: &str) -> usize {
        let (sc, _) = TrigramModel::new().score(&crate::text::normalize(s));
        let mut b = 0;
        for i in 1..4 {
            if sc[i] > sc[b] {
                b = i;
            }
        }
        b
    }

    #[test]
    fn short_phrases() {
        assert_eq!(best("pinpas geblokkeerd"), 0);
        assert_eq!(best("account suspended without warning"), 1);
        assert_eq!(best("virement bloqué"), 2);
        assert_eq!(best("Überweisung fehlgeschlagen"), 3);
    }
}
