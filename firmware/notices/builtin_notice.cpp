#include "notices/builtin_notice.h"

#include <array>
#include <boost/json/object.hpp>

namespace optin::notices {
namespace {

namespace json = boost::json;

// The purposes in the order of consent::kAllPurposes (notices does not see consent; a test in
// tests/unit/notices keeps the two lists equal).
constexpr std::array<std::string_view, 6> kPurposeIds = {
    "presence", "offers", "assistance", "name_to_staff", "history", "hq_aggregates"};

struct PurposeWords {
  std::string_view title, summary, what_is_kept, how_long, who_sees_it, used_for;
};

struct LanguageWords {
  std::string_view tag;
  std::string_view title, summary;
  std::array<PurposeWords, 6> purposes;
  std::string_view rights_title, rights_summary, rights_details;
  std::string_view contact_line;  // with {contact}
  std::string_view no_contact_line;
  std::string_view minutes, hour, hours;  // units of {period}
};

// Placeholders: {store} {visit_minutes} {ended_hours} {history_days} {consent_days}
// {period} (the HQ period in minutes or hours, with its unit) {contact}.
constexpr std::array<LanguageWords, 5> kWords = {{
    {"en",
     "Your privacy at {store}",
     "Everything is off until you say Yes. There are no cameras and no face recognition. What "
     "you share stays in this store; headquarters gets only totals with random noise added, and "
     "only if you allow it. You can change each choice, see your data or delete it at any time.",
     {{{"Being checked in",
        "Lets the store know you are here for this visit. Needed for everything else.",
        "A random name for this visit (such as \"Amber Heron\"), when the visit started and "
        "ended, and how you checked in. With the app, a coded stand-in for your app account, "
        "never the account itself. No location trace, no photos.",
        "A visit ends by itself after {visit_minutes} minutes. It is deleted {ended_hours} hours "
        "after it ends, or {history_days} days after if you turned on \"Remember me\".",
        "Only the box in this store. Staff see your visit name only if you ask for help.",
        "To know this visit is real and in the store, so that your other choices can work."},
       {"Offers for you", "Picks offers from the store's list using the interests you tell us.",
        "The interests you tick and your level (beginner, intermediate, expert), and which "
        "offers you were shown, with the reason.",
        "While this choice or \"Remember me\" is on. Without \"Remember me\", they are deleted "
        "when your visit ends.",
        "Only the box. Staff do not see them.",
        "To choose and order offers. Prices and terms are the same for everyone; nothing is "
        "based on your age, gender or where you live."},
       {"Help from staff", "Sends your help requests to the staff on duty.",
        "The topic, your level and your note (stored encrypted).",
        "Until the request is done or cancelled, at the latest when your visit ends. Turning "
        "this off withdraws an open request at once.",
        "Staff on duty in this store: your visit name, the topic, your level, your note and how "
        "long you have waited.",
        "Only to send someone to help you. Staff never see anyone who did not ask."},
       {"Your first name for staff", "Shows your first name to the person who comes to help you.",
        "The first name you type with a help request (stored encrypted). Never your loyalty "
        "number.",
        "With the help request, and no longer.", "The staff who see your help request.",
        "So that staff can greet you by name. Without this, they see only your visit name."},
       {"Remember me",
        "Remembers your interests and past visits for next time (with the app only).",
        "Your interests, your past visits and the kinds of offers you were shown.",
        "{history_days} days after each visit, or until you turn this off.",
        "Only the box in this store.",
        "To pick better offers on your next visits. A visit from the shopper page without the "
        "app has nothing to remember."},
       {"Store statistics for headquarters",
        "Counts your visit in totals sent to headquarters. No personal record ever leaves the "
        "store.",
        "Small entries such as \"one check-in\" or \"one help request about sizing\", until the "
        "totals of their period are made.",
        "The entries are deleted once the totals of their period are made (every "
        "{period}).",
        "Headquarters receives only totals with random noise added, so that no one can be "
        "picked out. Never a list of people.",
        "To see how the store is doing: visits, help requests, waiting times and offers shown."}}},
     "Your rights",
     "See, download, change or delete your data, and withdraw any choice, at any time.",
     "The page with your data shows everything the store holds about you, and you can download "
     "it. Each choice turns off with one tap and stops at once. You can delete all your data in "
     "one go, immediately. Every change gives you a signed receipt. A Yes lasts at most "
     "{consent_days} days. You may also complain to your data protection authority.",
     " Questions: {contact}.",
     " Questions: ask staff in the store.",
     "minutes",
     "hour",
     "hours"},
    {"it",
     "La tua privacy da {store}",
     "Tutto è spento finché non dici Sì. Niente telecamere e niente riconoscimento facciale. "
     "Ciò che condividi resta in questo negozio; la sede riceve solo totali con rumore casuale "
     "aggiunto, e solo se lo permetti. Puoi cambiare ogni scelta, vedere i tuoi dati o "
     "cancellarli quando vuoi.",
     {{{"Essere registrato in negozio",
        "Fa sapere al negozio che sei qui per questa visita. Serve per tutto il resto.",
        "Un nome casuale per questa visita (come \"Amber Heron\"), quando è iniziata e finita, e "
        "come ti sei registrato. Con l'app, un codice al posto del tuo account, mai l'account "
        "stesso. Nessuna traccia della posizione, nessuna foto.",
        "Una visita finisce da sola dopo {visit_minutes} minuti. Viene cancellata {ended_hours} "
        "ore dopo la fine, oppure {history_days} giorni dopo se hai attivato \"Ricordami\".",
        "Solo il dispositivo di questo negozio. Il personale vede il nome della visita solo se "
        "chiedi aiuto.",
        "Per sapere che la visita è reale e in negozio, così le altre scelte possono "
        "funzionare."},
       {"Offerte per te",
        "Sceglie offerte dalla lista del negozio in base agli interessi che ci indichi.",
        "Gli interessi che selezioni e il tuo livello (principiante, intermedio, esperto), e "
        "quali offerte ti sono state mostrate, con il motivo.",
        "Finché questa scelta o \"Ricordami\" è attiva. Senza \"Ricordami\" sono cancellati "
        "alla fine della visita.",
        "Solo il dispositivo. Il personale non li vede.",
        "Per scegliere e ordinare le offerte. Prezzi e condizioni sono uguali per tutti; niente "
        "si basa su età, genere o luogo in cui vivi."},
       {"Aiuto dal personale", "Invia le tue richieste di aiuto al personale in servizio.",
        "L'argomento, il tuo livello e la tua nota (conservata cifrata).",
        "Finché la richiesta è conclusa o annullata, al più tardi alla fine della visita. Se "
        "disattivi questa scelta, una richiesta aperta viene ritirata subito.",
        "Il personale in servizio in questo negozio: nome della visita, argomento, livello, nota "
        "e tempo di attesa.",
        "Solo per mandare qualcuno ad aiutarti. Il personale non vede mai chi non ha chiesto "
        "aiuto."},
       {"Il tuo nome per il personale", "Mostra il tuo nome alla persona che viene ad aiutarti.",
        "Il nome che scrivi con una richiesta di aiuto (conservato cifrato). Mai il numero della "
        "carta fedeltà.",
        "Insieme alla richiesta di aiuto, non oltre.",
        "Il personale che vede la tua richiesta di aiuto.",
        "Perché il personale possa salutarti per nome. Senza questa scelta vede solo il nome "
        "della visita."},
       {"Ricordami",
        "Ricorda i tuoi interessi e le visite passate per la prossima volta (solo con l'app).",
        "I tuoi interessi, le visite passate e i tipi di offerte che ti sono stati mostrati.",
        "{history_days} giorni dopo ogni visita, o finché non disattivi questa scelta.",
        "Solo il dispositivo di questo negozio.",
        "Per scegliere offerte migliori nelle prossime visite. Una visita dalla pagina web senza "
        "app non ha nulla da ricordare."},
       {"Statistiche del negozio per la sede",
        "Conta la tua visita nei totali inviati alla sede. Nessun dato personale lascia mai il "
        "negozio.",
        "Piccole voci come \"una registrazione\" o \"una richiesta di aiuto sulle taglie\", "
        "finché non si calcolano i totali del loro periodo.",
        "Le voci sono cancellate appena calcolati i totali del loro periodo (ogni "
        "{period}).",
        "La sede riceve solo totali con rumore casuale aggiunto, così nessuno può essere "
        "riconosciuto. Mai un elenco di persone.",
        "Per capire come va il negozio: visite, richieste di aiuto, tempi di attesa e offerte "
        "mostrate."}}},
     "I tuoi diritti",
     "Vedi, scarica, modifica o cancella i tuoi dati e ritira ogni scelta, quando vuoi.",
     "La pagina dei tuoi dati mostra tutto ciò che il negozio conserva su di te, e puoi "
     "scaricarla. Ogni scelta si disattiva con un tocco e si ferma subito. Puoi cancellare tutti "
     "i tuoi dati in una volta, subito. Ogni modifica ti dà una ricevuta firmata. Un Sì vale al "
     "massimo {consent_days} giorni. Puoi anche rivolgerti all'autorità per la protezione dei "
     "dati.",
     " Domande: {contact}.",
     " Domande: chiedi al personale del negozio.",
     "minuti",
     "ora",
     "ore"},
    {"es",
     "Tu privacidad en {store}",
     "Todo está desactivado hasta que digas Sí. No hay cámaras ni reconocimiento facial. Lo "
     "que compartes se queda en esta tienda; la central solo recibe totales con ruido aleatorio "
     "añadido, y solo si lo permites. Puedes cambiar cada opción, ver tus datos o borrarlos "
     "cuando quieras.",
     {{{"Estar registrado en la tienda",
        "Permite a la tienda saber que estás aquí en esta visita. Es necesario para todo lo "
        "demás.",
        "Un nombre aleatorio para esta visita (como \"Amber Heron\"), cuándo empezó y terminó, "
        "y cómo te registraste. Con la app, un código en lugar de tu cuenta, nunca la cuenta en "
        "sí. Ningún rastro de ubicación, ninguna foto.",
        "Una visita termina sola a los {visit_minutes} minutos. Se borra {ended_hours} horas "
        "después de terminar, o {history_days} días después si activaste \"Recuérdame\".",
        "Solo el equipo de esta tienda. El personal ve el nombre de la visita solo si pides "
        "ayuda.",
        "Para saber que la visita es real y en la tienda, y que tus otras opciones puedan "
        "funcionar."},
       {"Ofertas para ti",
        "Elige ofertas de la lista de la tienda según los intereses que nos indiques.",
        "Los intereses que marcas y tu nivel (principiante, intermedio, experto), y qué ofertas "
        "se te mostraron, con el motivo.",
        "Mientras esta opción o \"Recuérdame\" esté activada. Sin \"Recuérdame\", se borran al "
        "terminar la visita.",
        "Solo el equipo de la tienda. El personal no los ve.",
        "Para elegir y ordenar ofertas. Precios y condiciones son iguales para todos; nada se "
        "basa en tu edad, tu sexo o dónde vives."},
       {"Ayuda del personal", "Envía tus peticiones de ayuda al personal de turno.",
        "El tema, tu nivel y tu nota (guardada cifrada).",
        "Hasta que la petición se resuelve o se cancela, como muy tarde al terminar la visita. "
        "Si desactivas esta opción, una petición abierta se retira al instante.",
        "El personal de turno de esta tienda: el nombre de la visita, el tema, tu nivel, tu "
        "nota y cuánto llevas esperando.",
        "Solo para enviar a alguien a ayudarte. El personal nunca ve a quien no ha pedido "
        "ayuda."},
       {"Tu nombre para el personal", "Muestra tu nombre a la persona que viene a ayudarte.",
        "El nombre que escribes con una petición de ayuda (guardado cifrado). Nunca tu número "
        "de cliente.",
        "Junto con la petición de ayuda, y no más.", "El personal que ve tu petición de ayuda.",
        "Para que el personal pueda saludarte por tu nombre. Sin esta opción solo ve el nombre "
        "de la visita."},
       {"Recuérdame",
        "Recuerda tus intereses y visitas anteriores para la próxima vez (solo con la app).",
        "Tus intereses, tus visitas anteriores y los tipos de ofertas que se te mostraron.",
        "{history_days} días después de cada visita, o hasta que desactives esta opción.",
        "Solo el equipo de esta tienda.",
        "Para elegir mejores ofertas en tus próximas visitas. Una visita desde la página web "
        "sin la app no tiene nada que recordar."},
       {"Estadísticas de la tienda para la central",
        "Cuenta tu visita en totales enviados a la central. Ningún dato personal sale nunca de "
        "la tienda.",
        "Pequeñas entradas como \"un registro\" o \"una petición de ayuda sobre tallas\", hasta "
        "que se calculan los totales de su periodo.",
        "Las entradas se borran en cuanto se calculan los totales de su periodo (cada "
        "{period}).",
        "La central solo recibe totales con ruido aleatorio añadido, para que nadie pueda ser "
        "identificado. Nunca una lista de personas.",
        "Para ver cómo va la tienda: visitas, peticiones de ayuda, tiempos de espera y ofertas "
        "mostradas."}}},
     "Tus derechos",
     "Ver, descargar, cambiar o borrar tus datos y retirar cualquier opción, en cualquier "
     "momento.",
     "La página de tus datos muestra todo lo que la tienda guarda sobre ti, y puedes "
     "descargarla. Cada opción se desactiva con un toque y se detiene al instante. Puedes borrar "
     "todos tus datos de una vez, en el momento. Cada cambio te da un recibo firmado. Un Sí dura "
     "como máximo {consent_days} días. También puedes reclamar ante la autoridad de protección "
     "de datos.",
     " Preguntas: {contact}.",
     " Preguntas: consulta al personal de la tienda.",
     "minutos",
     "hora",
     "horas"},
    {"de",
     "Ihre Privatsphäre bei {store}",
     "Alles ist aus, bis Sie Ja sagen. Keine Kameras, keine Gesichtserkennung. Was Sie teilen, "
     "bleibt in diesem Geschäft; die Zentrale erhält nur Summen mit zufälligem Rauschen, und nur "
     "wenn Sie es erlauben. Sie können jede Wahl ändern und Ihre Daten jederzeit ansehen oder "
     "löschen.",
     {{{"Im Geschäft angemeldet sein",
        "Das Geschäft weiß, dass Sie bei diesem Besuch hier sind. Nötig für alles andere.",
        "Ein zufälliger Name für diesen Besuch (etwa \"Amber Heron\"), Beginn und Ende des "
        "Besuchs und wie Sie sich angemeldet haben. Mit der App ein Code statt Ihres Kontos, nie "
        "das Konto selbst. Keine Standortspur, keine Fotos.",
        "Ein Besuch endet von selbst nach {visit_minutes} Minuten. Er wird {ended_hours} Stunden "
        "nach dem Ende gelöscht, oder {history_days} Tage danach, wenn Sie \"Mich merken\" "
        "eingeschaltet haben.",
        "Nur das Gerät in diesem Geschäft. Das Personal sieht den Besuchsnamen nur, wenn Sie um "
        "Hilfe bitten.",
        "Um zu wissen, dass der Besuch echt ist und im Geschäft stattfindet, damit Ihre anderen "
        "Entscheidungen funktionieren."},
       {"Angebote für Sie",
        "Wählt Angebote aus der Liste des Geschäfts nach den Interessen, die Sie angeben.",
        "Die Interessen, die Sie ankreuzen, Ihr Niveau (Anfänger, Fortgeschritten, Experte) und "
        "welche Angebote Ihnen gezeigt wurden, mit dem Grund.",
        "Solange diese Wahl oder \"Mich merken\" eingeschaltet ist. Ohne \"Mich merken\" werden "
        "sie am Ende des Besuchs gelöscht.",
        "Nur das Gerät. Das Personal sieht sie nicht.",
        "Um Angebote auszuwählen und zu ordnen. Preise und Bedingungen sind für alle gleich; "
        "nichts beruht auf Alter, Geschlecht oder Wohnort."},
       {"Hilfe vom Personal", "Schickt Ihre Hilfeanfragen an das diensthabende Personal.",
        "Das Thema, Ihr Niveau und Ihre Notiz (verschlüsselt gespeichert).",
        "Bis die Anfrage erledigt oder abgebrochen ist, spätestens am Ende des Besuchs. Wenn Sie "
        "diese Wahl ausschalten, wird eine offene Anfrage sofort zurückgezogen.",
        "Das diensthabende Personal in diesem Geschäft: Besuchsname, Thema, Niveau, Notiz und "
        "Wartezeit.",
        "Nur um jemanden zu Ihnen zu schicken. Das Personal sieht nie jemanden, der nicht "
        "gefragt hat."},
       {"Ihr Vorname für das Personal", "Zeigt Ihren Vornamen der Person, die Ihnen hilft.",
        "Der Vorname, den Sie bei einer Hilfeanfrage eingeben (verschlüsselt gespeichert). Nie "
        "Ihre Kundennummer.",
        "Zusammen mit der Hilfeanfrage, nicht länger.",
        "Das Personal, das Ihre Hilfeanfrage sieht.",
        "Damit das Personal Sie mit Namen begrüßen kann. Ohne diese Wahl sieht es nur den "
        "Besuchsnamen."},
       {"Mich merken",
        "Merkt sich Ihre Interessen und früheren Besuche für das nächste Mal (nur mit der App).",
        "Ihre Interessen, Ihre früheren Besuche und die Arten von Angeboten, die Ihnen gezeigt "
        "wurden.",
        "{history_days} Tage nach jedem Besuch, oder bis Sie diese Wahl ausschalten.",
        "Nur das Gerät in diesem Geschäft.",
        "Um bei den nächsten Besuchen bessere Angebote zu wählen. Ein Besuch über die Webseite "
        "ohne App hat nichts zu merken."},
       {"Statistik des Geschäfts für die Zentrale",
        "Zählt Ihren Besuch in Summen für die Zentrale. Kein persönlicher Datensatz verlässt je "
        "das Geschäft.",
        "Kleine Einträge wie \"eine Anmeldung\" oder \"eine Hilfeanfrage zu Größen\", bis die "
        "Summen ihres Zeitraums gebildet sind.",
        "Die Einträge werden gelöscht, sobald die Summen ihres Zeitraums gebildet sind (alle "
        "{period}).",
        "Die Zentrale erhält nur Summen mit zufälligem Rauschen, sodass niemand herauszulesen "
        "ist. Nie eine Liste von Personen.",
        "Um zu sehen, wie es dem Geschäft geht: Besuche, Hilfeanfragen, Wartezeiten und gezeigte "
        "Angebote."}}},
     "Ihre Rechte",
     "Ihre Daten ansehen, herunterladen, ändern oder löschen und jede Wahl widerrufen, "
     "jederzeit.",
     "Die Seite mit Ihren Daten zeigt alles, was das Geschäft über Sie speichert, und Sie können "
     "sie herunterladen. Jede Wahl lässt sich mit einem Tippen ausschalten und endet sofort. Sie "
     "können alle Ihre Daten auf einmal sofort löschen. Jede Änderung gibt Ihnen eine signierte "
     "Quittung. Ein Ja gilt höchstens {consent_days} Tage. Sie können sich auch bei der "
     "Datenschutzaufsichtsbehörde beschweren.",
     " Fragen: {contact}.",
     " Fragen: Sprechen Sie das Personal im Geschäft an.",
     "Minuten",
     "Stunde",
     "Stunden"},
    {"fr",
     "Votre vie privée chez {store}",
     "Tout est désactivé tant que vous ne dites pas Oui. Pas de caméras, pas de reconnaissance "
     "faciale. Ce que vous partagez reste dans ce magasin ; le siège ne reçoit que des totaux "
     "auxquels un bruit aléatoire est ajouté, et seulement si vous l'acceptez. Vous pouvez "
     "changer chaque choix, voir vos données ou les effacer à tout moment.",
     {{{"Être enregistré dans le magasin",
        "Indique au magasin que vous êtes là pour cette visite. Nécessaire pour tout le reste.",
        "Un nom au hasard pour cette visite (comme « Amber Heron »), le début et la fin de la "
        "visite, et la façon dont vous vous êtes enregistré. Avec l'appli, un code à la place de "
        "votre compte, jamais le compte lui-même. Aucune trace de position, aucune photo.",
        "Une visite se termine seule après {visit_minutes} minutes. Elle est effacée "
        "{ended_hours} heures après la fin, ou {history_days} jours après si vous avez activé "
        "« Se souvenir de moi ».",
        "Seulement le boîtier de ce magasin. Le personnel ne voit le nom de la visite que si "
        "vous demandez de l'aide.",
        "Pour savoir que la visite est réelle et dans le magasin, afin que vos autres choix "
        "fonctionnent."},
       {"Offres pour vous",
        "Choisit des offres dans la liste du magasin selon les centres d'intérêt que vous "
        "indiquez.",
        "Les centres d'intérêt que vous cochez, votre niveau (débutant, intermédiaire, expert) "
        "et les offres qui vous ont été montrées, avec la raison.",
        "Tant que ce choix ou « Se souvenir de moi » est activé. Sans « Se souvenir de moi », "
        "ils sont effacés à la fin de la visite.",
        "Seulement le boîtier. Le personnel ne les voit pas.",
        "Pour choisir et classer les offres. Prix et conditions sont les mêmes pour tous ; rien "
        "ne dépend de votre âge, de votre sexe ou de votre adresse."},
       {"Aide du personnel", "Envoie vos demandes d'aide au personnel de service.",
        "Le sujet, votre niveau et votre note (conservée chiffrée).",
        "Jusqu'à ce que la demande soit traitée ou annulée, au plus tard à la fin de la visite. "
        "Si vous désactivez ce choix, une demande en cours est retirée aussitôt.",
        "Le personnel de service dans ce magasin : nom de la visite, sujet, niveau, note et "
        "temps d'attente.",
        "Uniquement pour envoyer quelqu'un vous aider. Le personnel ne voit jamais quelqu'un qui "
        "n'a rien demandé."},
       {"Votre prénom pour le personnel", "Montre votre prénom à la personne qui vient vous aider.",
        "Le prénom que vous saisissez avec une demande d'aide (conservé chiffré). Jamais votre "
        "numéro de fidélité.",
        "Avec la demande d'aide, pas plus longtemps.",
        "Le personnel qui voit votre demande d'aide.",
        "Pour que le personnel puisse vous saluer par votre prénom. Sans ce choix, il ne voit "
        "que le nom de la visite."},
       {"Se souvenir de moi",
        "Garde vos centres d'intérêt et vos visites passées pour la prochaine fois (avec "
        "l'appli uniquement).",
        "Vos centres d'intérêt, vos visites passées et les types d'offres qui vous ont été "
        "montrées.",
        "{history_days} jours après chaque visite, ou jusqu'à ce que vous désactiviez ce choix.",
        "Seulement le boîtier de ce magasin.",
        "Pour choisir de meilleures offres lors de vos prochaines visites. Une visite depuis la "
        "page web sans l'appli n'a rien à retenir."},
       {"Statistiques du magasin pour le siège",
        "Compte votre visite dans des totaux envoyés au siège. Aucune donnée personnelle ne "
        "quitte jamais le magasin.",
        "De petites entrées comme « un enregistrement » ou « une demande d'aide sur les "
        "tailles », jusqu'au calcul des totaux de leur période.",
        "Les entrées sont effacées dès que les totaux de leur période sont calculés (toutes les "
        "{period}).",
        "Le siège ne reçoit que des totaux auxquels un bruit aléatoire est ajouté, pour que "
        "personne ne puisse y être reconnu. Jamais une liste de personnes.",
        "Pour voir comment va le magasin : visites, demandes d'aide, temps d'attente et offres "
        "montrées."}}},
     "Vos droits",
     "Voir, télécharger, modifier ou effacer vos données et retirer tout choix, à tout moment.",
     "La page de vos données montre tout ce que le magasin garde sur vous, et vous pouvez la "
     "télécharger. Chaque choix se désactive d'un geste et s'arrête aussitôt. Vous pouvez "
     "effacer toutes vos données en une fois, immédiatement. Chaque changement vous donne un "
     "reçu signé. Un Oui dure au plus {consent_days} jours. Vous pouvez aussi saisir l'autorité "
     "de protection des données.",
     " Questions : {contact}.",
     " Questions : adressez-vous au personnel du magasin.",
     "minutes",
     "heure",
     "heures"},
}};

std::string Period(const LanguageWords& w, int64_t minutes) {
  if (minutes % 60 != 0) return std::to_string(minutes) + " " + std::string(w.minutes);
  const int64_t hours = minutes / 60;
  return std::to_string(hours) + " " + std::string(hours == 1 ? w.hour : w.hours);
}

std::string Fill(std::string_view text, const LanguageWords& w, const BuiltInFacts& f) {
  const std::array<std::pair<std::string_view, std::string>, 7> values = {{
      {"{store}", f.store},
      {"{visit_minutes}", std::to_string(f.visit_max_minutes)},
      {"{ended_hours}", std::to_string(f.ended_visit_hours)},
      {"{history_days}", std::to_string(f.history_days)},
      {"{consent_days}", std::to_string(f.consent_days)},
      {"{period}", Period(w, f.hq_period_minutes)},
      {"{contact}", f.contact},
  }};
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (text[i] == '{') {
      for (const auto& [key, value] : values) {
        if (text.substr(i).starts_with(key)) {
          out += value;
          i += key.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(text[i++]);
  }
  return out;
}

json::object LanguageText(const LanguageWords& w, const BuiltInFacts& f) {
  json::object purposes;
  for (size_t i = 0; i < kPurposeIds.size(); ++i) {
    const PurposeWords& p = w.purposes[i];
    purposes[kPurposeIds[i]] =
        json::object{{"title", Fill(p.title, w, f)},
                     {"summary", Fill(p.summary, w, f)},
                     {"details", json::object{{"what_is_kept", Fill(p.what_is_kept, w, f)},
                                              {"how_long", Fill(p.how_long, w, f)},
                                              {"who_sees_it", Fill(p.who_sees_it, w, f)},
                                              {"used_for", Fill(p.used_for, w, f)}}}};
  }
  std::string rights = Fill(w.rights_details, w, f);
  rights += Fill(f.contact.empty() ? w.no_contact_line : w.contact_line, w, f);
  return json::object{{"title", Fill(w.title, w, f)},
                      {"summary", Fill(w.summary, w, f)},
                      {"purposes", std::move(purposes)},
                      {"rights", json::object{{"title", Fill(w.rights_title, w, f)},
                                              {"summary", Fill(w.rights_summary, w, f)},
                                              {"details", std::move(rights)}}}};
}

}  // namespace

std::vector<std::string> BuiltInLanguages() {
  std::vector<std::string> out;
  for (const auto& w : kWords) out.emplace_back(w.tag);
  return out;
}

bool HasBuiltInText(std::string_view language) {
  for (const auto& w : kWords) {
    if (w.tag == language) return true;
  }
  return false;
}

Result<Notice> BuiltInNotice(const BuiltInFacts& facts, const NoticeRules& rules) {
  for (const std::string& lang : rules.languages) {
    if (!HasBuiltInText(lang)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "store.languages: '" + lang +
                      "' has no built-in notice (built in: en, it, es, de, fr); provide a notices "
                      "file or bundle with a text in it.",
                  "store.languages", "no-built-in-text");
    }
  }
  json::object controller{{"store", facts.store.empty() ? std::string("-") : facts.store}};
  if (!facts.chain.empty()) controller["chain"] = facts.chain;
  if (!facts.contact.empty()) controller["contact"] = facts.contact;
  if (!facts.address.empty()) controller["address"] = facts.address;
  json::object texts;
  for (const auto& w : kWords) texts[w.tag] = LanguageText(w, facts);
  const json::value root(json::object{{"version", 1},
                                      {"material", false},
                                      {"controller", std::move(controller)},
                                      {"texts", std::move(texts)}});
  NoticeRules r = rules;
  r.version_in_force = 0;  // the built-in notice is renumbered by NoticeStore::Admit
  OPTIN_ASSIGN_OR_RETURN(Notice notice, ParseNoticeValue(root, r));
  notice.source = "built-in";
  return notice;
}

}  // namespace optin::notices
