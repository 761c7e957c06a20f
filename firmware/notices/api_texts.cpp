#include "notices/api_texts.h"

#include <algorithm>
#include <array>

namespace optin::notices {
namespace {

struct Text {
  std::string_view key;
  std::string_view text;
};

// English: the catalog every other language mirrors key for key, with the same parameters
// (tests/unit/notices/api_texts_test.cpp checks that).
constexpr Text kEn[] = {
    {"title.400", "Bad request"},
    {"title.401", "Not authenticated"},
    {"title.403", "Not allowed"},
    {"title.404", "Not found"},
    {"title.405", "Method not allowed"},
    {"title.409", "Conflict"},
    {"title.413", "Payload too large"},
    {"title.415", "Unsupported media type"},
    {"title.422", "Not possible here"},
    {"title.426", "Upgrade required"},
    {"title.429", "Too many requests"},
    {"title.500", "Internal error"},
    {"title.503", "Service unavailable"},
    {"title.forbidden-field", "Field never accepted"},
    {"title.disk-full", "Storage full"},
    {"title.storage-failed", "Storage error"},
    {"detail.400", "The request is not valid. Check it and send it again."},
    {"detail.401", "You are not signed in, or your token is not valid. Check in or log in again."},
    {"detail.403", "You are not allowed to do this."},
    {"detail.404", "There is nothing here."},
    {"detail.405", "This address does not accept this method."},
    {"detail.409", "This cannot be done in the current state."},
    {"detail.413", "The request is too large."},
    {"detail.415", "Send the body as JSON (Content-Type: application/json)."},
    {"detail.422", "This is not possible here."},
    {"detail.426", "This address speaks WebSocket only."},
    {"detail.429", "Too many requests. Wait a little and try again."},
    {"detail.500", "The device could not complete this request. Nothing was changed."},
    {"detail.503", "The device cannot serve this right now. Try again shortly."},
    {"detail.at-field", "(Field: {field})"},
    {"detail.missing-field", "The field {field} is required."},
    {"detail.unknown-field", "The field {field} is not known here; leave it out."},
    {"detail.invalid-type", "The value at {field} has the wrong type."},
    {"detail.too-long", "The text at {field} is too long."},
    {"detail.too-short", "The text at {field} is too short."},
    {"detail.control-characters", "The text at {field} contains control characters."},
    {"detail.invalid-utf8", "The text at {field} is not valid UTF-8."},
    {"detail.image-refused", "Images are never accepted, in any field ({field})."},
    {"detail.malformed-json", "The body is not valid JSON."},
    {"detail.duplicate-member",
     "The member {field} appears more than once; send each member once."},
    {"detail.forbidden-field",
     "The field {field} is never accepted: this store does not collect such data."},
    {"detail.unsupported-media-type", "Send the body as JSON (Content-Type: application/json)."},
    {"detail.missing-token", "Send your token as 'Authorization: Bearer <token>'."},
    {"detail.staff-session",
     "This is a staff session: its token works only on the staff console's routes."},
    {"detail.visit-token-invalid",
     "Your visit token is unknown or the visit has ended. Check in again."},
    {"detail.token-expired", "Your token has expired. Ask the app for a fresh one."},
    {"detail.token-not-yet-valid", "Your token is not valid yet. Check the phone's clock."},
    {"detail.token-malformed", "The token is not well formed."},
    {"detail.token-signature", "The token's signature does not verify."},
    {"detail.token-algorithm", "The token must be signed with ES256."},
    {"detail.token-replayed",
     "This token was already used to check in. Ask the app for a fresh one."},
    {"detail.no-active-visit", "You have no visit in progress. Check in at the entrance first."},
    {"detail.consent-required",
     "This needs a purpose you have not allowed. Turn it on first if you want it."},
    {"detail.purpose-needs-app",
     "This purpose needs the store's app: a visit on the web page is anonymous and not "
     "remembered."},
    {"detail.presence-required", "Checking in means being present: 'presence' cannot be off here."},
    {"detail.unknown-purpose", "The purpose at {field} is not one this store knows."},
    {"detail.help-request-open",
     "You already have a help request open. Staff will be with you soon; cancel it first to ask "
     "about something else."},
    {"detail.help-request-not-found", "You have no help request with this id."},
    {"detail.help-request-resolved", "This help request was already resolved."},
    {"detail.rate-limited", "Too many attempts. Wait a little before trying again."},
    {"detail.unknown-topic", "This store does not know this topic; pick one from its list."},
    {"detail.unknown-expertise", "Expertise must be beginner, intermediate or expert."},
    {"detail.invalid-expertise", "Expertise must be beginner, intermediate or expert."},
    {"detail.unknown-interest",
     "This store does not offer this interest; pick one from its list (GET /v1/store)."},
    {"detail.duplicate-interest", "The same interest is listed twice."},
    {"detail.too-many-interests", "Too many interests were sent."},
    {"detail.not-found", "There is no resource at this address."},
    {"detail.notice-not-found", "There is no such notice version on this box."},
    {"detail.notice-language-not-found",
     "This notice version has no text in the language asked for."},
    {"detail.invalid-language", "'lang' must be a language tag such as \"it\" or \"de-CH\"."},
    {"detail.disk-full",
     "The device's storage is full, so nothing was saved. Reading data still works; try again "
     "later."},
    {"detail.storage-failed",
     "The device could not write this to its storage, so nothing was saved. Try again in a "
     "moment."},
    {"detail.internal", "The device could not complete this request. Nothing was changed."},
    {"detail.staff-token-invalid",
     "Your staff session is unknown, has ended or has expired. Log in again."},
    {"detail.staff-login-failed", "The staff id or PIN is wrong."},
    {"detail.prompt-not-found", "There is no prompt with this id."},
    {"detail.prompt-resolved", "This prompt was already resolved."},
    {"detail.prompt-closed", "This prompt is closed: the shopper no longer needs this help."},
    {"detail.not-provisioned", "This device is not set up yet; ask the store manager."},
    {"offers.note.unpublished", "This store has not published any offers yet. Check back later."},
    {"offers.note.no-signals",
     "Tell us what you are into (your interests) and we will pick offers for it."},
    {"offers.note.no-match", "No current offer matches what you told us. Check back later."},
    {"offers.note.picked",
     "Picked only from what you told us. Prices and terms are the same for everyone."},
    {"reason.declared", "Because you told us you are into {interest}."},
    {"reason.declared-level", "Because you told us you are into {interest} ({level})."},
    {"reason.history", "Because you looked at {interest} offers on an earlier visit."},
    {"level.beginner", "beginner"},
    {"level.intermediate", "intermediate"},
    {"level.expert", "expert"},
    {"interest.level", "{interest} ({level})"},
    {"why.visit.web",
     "You checked in on the store's web page. You appear to staff as \"{pseudonym}\", never by "
     "name unless you allow 'name_to_staff'."},
    {"why.visit.app",
     "You checked in with the app. You appear to staff as \"{pseudonym}\", never by name unless "
     "you allow 'name_to_staff'."},
    {"why.visit.loyalty",
     "You checked in with your loyalty card. You appear to staff as \"{pseudonym}\", never by "
     "name unless you allow 'name_to_staff'."},
    {"why.purpose", "You allow '{purpose}': {description}"},
    {"why.interests", "Offers are picked from the interests you told us: {interests}."},
    {"why.offer.once", "We showed you \"{title}\" once. {reason}"},
    {"why.offer.times", "We showed you \"{title}\" {times} times. {reason}"},
    {"why.staff.viewed.associate",
     "Your help request was shown to a store associate in the staff queue."},
    {"why.staff.viewed.manager",
     "Your help request was shown to a store manager in the staff queue."},
    {"why.staff.claimed.associate", "A store associate took your help request and is on the way."},
    {"why.staff.claimed.manager", "A store manager took your help request and is on the way."},
    {"why.staff.claimed-done.associate", "A store associate took your help request."},
    {"why.staff.claimed-done.manager", "A store manager took your help request."},
    {"why.staff.resolved.associate", "A store associate marked your help request as done."},
    {"why.staff.resolved.manager", "A store manager marked your help request as done."},
    {"why.consent.granted", "You turned on '{purpose}'."},
    {"why.consent.withdrawn", "You turned off '{purpose}'."},
    {"why.note",
     "This is everything this store's box did with your data in this visit. Staff are shown by "
     "role, never by name."},
    {"receipt.until", "Until {until}, or until you withdraw it."},
    {"receipt.not-in-force", "Not in force."},
    {"store.default.asked", "asked at check-in"},
    {"store.default.off", "off"},
    {"data.presence", "visit presence (no location trace)"},
    {"data.offers", "declared interests and expertise"},
    {"data.assistance", "help topic, expertise level and your note"},
    {"data.name_to_staff", "first name"},
    {"data.history", "declared interests and visit history"},
    {"data.hq_aggregates", "visit counts (aggregated)"},
};

constexpr Text kIt[] = {
    {"title.400", "Richiesta non valida"},
    {"title.401", "Non autenticato"},
    {"title.403", "Non consentito"},
    {"title.404", "Non trovato"},
    {"title.405", "Metodo non consentito"},
    {"title.409", "Conflitto"},
    {"title.413", "Richiesta troppo grande"},
    {"title.415", "Tipo di contenuto non supportato"},
    {"title.422", "Non possibile qui"},
    {"title.426", "Serve un aggiornamento del protocollo"},
    {"title.429", "Troppe richieste"},
    {"title.500", "Errore interno"},
    {"title.503", "Servizio non disponibile"},
    {"title.forbidden-field", "Campo mai accettato"},
    {"title.disk-full", "Memoria piena"},
    {"title.storage-failed", "Errore di memoria"},
    {"detail.400", "La richiesta non è valida. Controllala e inviala di nuovo."},
    {"detail.401",
     "Non hai effettuato l'accesso o il tuo token non è valido. Registrati di nuovo "
     "all'ingresso o accedi di nuovo."},
    {"detail.403", "Non puoi fare questa operazione."},
    {"detail.404", "Qui non c'è niente."},
    {"detail.405", "Questo indirizzo non accetta questo metodo."},
    {"detail.409", "Non si può fare nello stato attuale."},
    {"detail.413", "La richiesta è troppo grande."},
    {"detail.415", "Invia il corpo in JSON (Content-Type: application/json)."},
    {"detail.422", "Qui non è possibile."},
    {"detail.426", "Questo indirizzo parla solo WebSocket."},
    {"detail.429", "Troppe richieste. Aspetta un po' e riprova."},
    {"detail.500",
     "Il dispositivo non è riuscito a completare la richiesta. Non è cambiato nulla."},
    {"detail.503", "Il dispositivo ora non può rispondere. Riprova tra poco."},
    {"detail.at-field", "(Campo: {field})"},
    {"detail.missing-field", "Il campo {field} è obbligatorio."},
    {"detail.unknown-field", "Il campo {field} qui non è previsto; toglilo."},
    {"detail.invalid-type", "Il valore in {field} è del tipo sbagliato."},
    {"detail.too-long", "Il testo in {field} è troppo lungo."},
    {"detail.too-short", "Il testo in {field} è troppo corto."},
    {"detail.control-characters", "Il testo in {field} contiene caratteri di controllo."},
    {"detail.invalid-utf8", "Il testo in {field} non è UTF-8 valido."},
    {"detail.image-refused", "Le immagini non sono mai accettate, in nessun campo ({field})."},
    {"detail.malformed-json", "Il corpo non è JSON valido."},
    {"detail.duplicate-member",
     "Il membro {field} compare più di una volta; invia ogni membro una volta sola."},
    {"detail.forbidden-field",
     "Il campo {field} non è mai accettato: questo negozio non raccoglie dati di questo tipo."},
    {"detail.unsupported-media-type", "Invia il corpo in JSON (Content-Type: application/json)."},
    {"detail.missing-token", "Invia il tuo token come 'Authorization: Bearer <token>'."},
    {"detail.staff-session",
     "Questa è una sessione del personale: il suo token vale solo per le funzioni della console "
     "del personale."},
    {"detail.visit-token-invalid",
     "Il token della visita è sconosciuto o la visita è terminata. Registrati di nuovo "
     "all'ingresso."},
    {"detail.token-expired", "Il tuo token è scaduto. Chiedine uno nuovo all'app."},
    {"detail.token-not-yet-valid",
     "Il tuo token non è ancora valido. Controlla l'ora del telefono."},
    {"detail.token-malformed", "Il token non è ben formato."},
    {"detail.token-signature", "La firma del token non è valida."},
    {"detail.token-algorithm", "Il token deve essere firmato con ES256."},
    {"detail.token-replayed",
     "Questo token è già stato usato per registrarsi. Chiedine uno nuovo all'app."},
    {"detail.no-active-visit", "Non hai una visita in corso. Registrati prima all'ingresso."},
    {"detail.consent-required",
     "Serve una finalità che non hai permesso. Attivala prima, se la vuoi."},
    {"detail.purpose-needs-app",
     "Questa finalità richiede l'app del negozio: una visita dalla pagina web è anonima e non "
     "viene ricordata."},
    {"detail.presence-required",
     "Registrarsi significa essere presenti: qui 'presence' non può essere disattivata."},
    {"detail.unknown-purpose", "La finalità in {field} non è tra quelle di questo negozio."},
    {"detail.help-request-open",
     "Hai già una richiesta di aiuto aperta. Il personale arriverà presto; annullala prima se "
     "vuoi chiedere altro."},
    {"detail.help-request-not-found", "Non hai nessuna richiesta di aiuto con questo id."},
    {"detail.help-request-resolved", "Questa richiesta di aiuto è già stata risolta."},
    {"detail.rate-limited", "Troppi tentativi. Aspetta un po' prima di riprovare."},
    {"detail.unknown-topic",
     "Questo negozio non conosce questo argomento; scegline uno dal suo elenco."},
    {"detail.unknown-expertise", "Il livello deve essere principiante, intermedio o esperto."},
    {"detail.invalid-expertise", "Il livello deve essere principiante, intermedio o esperto."},
    {"detail.unknown-interest",
     "Questo negozio non offre questo interesse; scegline uno dal suo elenco (GET /v1/store)."},
    {"detail.duplicate-interest", "Lo stesso interesse compare due volte."},
    {"detail.too-many-interests", "Hai inviato troppi interessi."},
    {"detail.not-found", "A questo indirizzo non c'è nessuna risorsa."},
    {"detail.notice-not-found", "Su questo dispositivo non c'è questa versione dell'informativa."},
    {"detail.notice-language-not-found",
     "Questa versione dell'informativa non ha un testo nella lingua richiesta."},
    {"detail.invalid-language", "'lang' deve essere un codice di lingua come \"it\" o \"de-CH\"."},
    {"detail.disk-full",
     "La memoria del dispositivo è piena, quindi non è stato salvato nulla. La lettura dei dati "
     "funziona ancora; riprova più tardi."},
    {"detail.storage-failed",
     "Il dispositivo non è riuscito a scrivere nella sua memoria, quindi non è stato salvato "
     "nulla. Riprova tra poco."},
    {"detail.internal",
     "Il dispositivo non è riuscito a completare la richiesta. Non è cambiato nulla."},
    {"detail.staff-token-invalid",
     "La tua sessione del personale è sconosciuta, terminata o scaduta. Accedi di nuovo."},
    {"detail.staff-login-failed", "L'id del personale o il PIN è sbagliato."},
    {"detail.prompt-not-found", "Non c'è nessuna richiesta con questo id."},
    {"detail.prompt-resolved", "Questa richiesta è già stata risolta."},
    {"detail.prompt-closed", "Questa richiesta è chiusa: il cliente non ha più bisogno di aiuto."},
    {"detail.not-provisioned",
     "Questo dispositivo non è ancora configurato; chiedi al responsabile del negozio."},
    {"offers.note.unpublished",
     "Questo negozio non ha ancora pubblicato offerte. Riprova più tardi."},
    {"offers.note.no-signals",
     "Dicci cosa ti interessa (i tuoi interessi) e sceglieremo le offerte in base a quello."},
    {"offers.note.no-match",
     "Nessuna offerta attuale corrisponde a quello che ci hai detto. Riprova più tardi."},
    {"offers.note.picked",
     "Scelte solo in base a quello che ci hai detto. Prezzi e condizioni sono uguali per tutti."},
    {"reason.declared", "Perché ci hai detto che ti interessa {interest}."},
    {"reason.declared-level", "Perché ci hai detto che ti interessa {interest} ({level})."},
    {"reason.history", "Perché in una visita precedente hai guardato offerte di {interest}."},
    {"level.beginner", "principiante"},
    {"level.intermediate", "intermedio"},
    {"level.expert", "esperto"},
    {"interest.level", "{interest} ({level})"},
    {"why.visit.web",
     "Ti sei registrato dalla pagina web del negozio. Il personale ti vede come \"{pseudonym}\", "
     "mai per nome, a meno che tu non permetta 'name_to_staff'."},
    {"why.visit.app",
     "Ti sei registrato con l'app. Il personale ti vede come \"{pseudonym}\", mai per nome, a "
     "meno che tu non permetta 'name_to_staff'."},
    {"why.visit.loyalty",
     "Ti sei registrato con la carta fedeltà. Il personale ti vede come \"{pseudonym}\", mai per "
     "nome, a meno che tu non permetta 'name_to_staff'."},
    {"why.purpose", "Permetti '{purpose}': {description}"},
    {"why.interests",
     "Le offerte sono scelte in base agli interessi che ci hai detto: {interests}."},
    {"why.offer.once", "Ti abbiamo mostrato \"{title}\" una volta. {reason}"},
    {"why.offer.times", "Ti abbiamo mostrato \"{title}\" {times} volte. {reason}"},
    {"why.staff.viewed.associate",
     "La tua richiesta di aiuto è stata mostrata a un addetto del negozio nella coda del "
     "personale."},
    {"why.staff.viewed.manager",
     "La tua richiesta di aiuto è stata mostrata a un responsabile del negozio nella coda del "
     "personale."},
    {"why.staff.claimed.associate",
     "Un addetto del negozio ha preso la tua richiesta di aiuto e sta arrivando."},
    {"why.staff.claimed.manager",
     "Un responsabile del negozio ha preso la tua richiesta di aiuto e sta arrivando."},
    {"why.staff.claimed-done.associate",
     "Un addetto del negozio ha preso la tua richiesta di aiuto."},
    {"why.staff.claimed-done.manager",
     "Un responsabile del negozio ha preso la tua richiesta di aiuto."},
    {"why.staff.resolved.associate",
     "Un addetto del negozio ha segnato la tua richiesta di aiuto come risolta."},
    {"why.staff.resolved.manager",
     "Un responsabile del negozio ha segnato la tua richiesta di aiuto come risolta."},
    {"why.consent.granted", "Hai attivato '{purpose}'."},
    {"why.consent.withdrawn", "Hai disattivato '{purpose}'."},
    {"why.note",
     "Questo è tutto ciò che il dispositivo del negozio ha fatto con i tuoi dati in questa visita. "
     "Il personale è indicato per ruolo, mai per nome."},
    {"receipt.until", "Fino al {until}, o finché non lo revochi."},
    {"receipt.not-in-force", "Non in vigore."},
    {"store.default.asked", "chiesto alla registrazione"},
    {"store.default.off", "disattivato"},
    {"data.presence", "presenza durante la visita (nessuna traccia della posizione)"},
    {"data.offers", "interessi e livello che hai indicato"},
    {"data.assistance", "argomento dell'aiuto, livello e la tua nota"},
    {"data.name_to_staff", "nome"},
    {"data.history", "interessi indicati e storico delle visite"},
    {"data.hq_aggregates", "conteggi delle visite (aggregati)"},
};

constexpr Text kEs[] = {
    {"title.400", "Solicitud no válida"},
    {"title.401", "No autenticado"},
    {"title.403", "No permitido"},
    {"title.404", "No encontrado"},
    {"title.405", "Método no permitido"},
    {"title.409", "Conflicto"},
    {"title.413", "Solicitud demasiado grande"},
    {"title.415", "Tipo de contenido no admitido"},
    {"title.422", "No es posible aquí"},
    {"title.426", "Se necesita cambiar de protocolo"},
    {"title.429", "Demasiadas solicitudes"},
    {"title.500", "Error interno"},
    {"title.503", "Servicio no disponible"},
    {"title.forbidden-field", "Campo nunca aceptado"},
    {"title.disk-full", "Almacenamiento lleno"},
    {"title.storage-failed", "Error de almacenamiento"},
    {"detail.400", "La solicitud no es válida. Revísala y envíala de nuevo."},
    {"detail.401",
     "No has iniciado sesión o tu token no es válido. Regístrate de nuevo en la "
     "entrada o vuelve a iniciar sesión."},
    {"detail.403", "No puedes hacer esto."},
    {"detail.404", "Aquí no hay nada."},
    {"detail.405", "Esta dirección no acepta este método."},
    {"detail.409", "No se puede hacer en el estado actual."},
    {"detail.413", "La solicitud es demasiado grande."},
    {"detail.415", "Envía el cuerpo en JSON (Content-Type: application/json)."},
    {"detail.422", "Esto no es posible aquí."},
    {"detail.426", "Esta dirección solo habla WebSocket."},
    {"detail.429", "Demasiadas solicitudes. Espera un poco y vuelve a intentarlo."},
    {"detail.500", "El dispositivo no pudo completar la solicitud. No se ha cambiado nada."},
    {"detail.503", "El dispositivo no puede atenderte ahora. Vuelve a intentarlo en breve."},
    {"detail.at-field", "(Campo: {field})"},
    {"detail.missing-field", "El campo {field} es obligatorio."},
    {"detail.unknown-field", "El campo {field} no se conoce aquí; quítalo."},
    {"detail.invalid-type", "El valor de {field} tiene un tipo incorrecto."},
    {"detail.too-long", "El texto de {field} es demasiado largo."},
    {"detail.too-short", "El texto de {field} es demasiado corto."},
    {"detail.control-characters", "El texto de {field} contiene caracteres de control."},
    {"detail.invalid-utf8", "El texto de {field} no es UTF-8 válido."},
    {"detail.image-refused", "Nunca se aceptan imágenes, en ningún campo ({field})."},
    {"detail.malformed-json", "El cuerpo no es JSON válido."},
    {"detail.duplicate-member",
     "El miembro {field} aparece más de una vez; envía cada miembro una sola vez."},
    {"detail.forbidden-field",
     "El campo {field} nunca se acepta: esta tienda no recoge datos de ese tipo."},
    {"detail.unsupported-media-type", "Envía el cuerpo en JSON (Content-Type: application/json)."},
    {"detail.missing-token", "Envía tu token como 'Authorization: Bearer <token>'."},
    {"detail.staff-session",
     "Esta es una sesión del personal: su token solo sirve para las funciones de la consola del "
     "personal."},
    {"detail.visit-token-invalid",
     "El token de la visita es desconocido o la visita ha terminado. Regístrate de nuevo en la "
     "entrada."},
    {"detail.token-expired", "Tu token ha caducado. Pide uno nuevo a la app."},
    {"detail.token-not-yet-valid", "Tu token aún no es válido. Revisa la hora del teléfono."},
    {"detail.token-malformed", "El token no está bien formado."},
    {"detail.token-signature", "La firma del token no es válida."},
    {"detail.token-algorithm", "El token debe estar firmado con ES256."},
    {"detail.token-replayed", "Este token ya se usó para registrarse. Pide uno nuevo a la app."},
    {"detail.no-active-visit",
     "No tienes ninguna visita en curso. Regístrate antes en la entrada."},
    {"detail.consent-required",
     "Esto necesita una finalidad que no has permitido. Actívala antes si la quieres."},
    {"detail.purpose-needs-app",
     "Esta finalidad necesita la app de la tienda: una visita desde la página web es anónima y no "
     "se recuerda."},
    {"detail.presence-required",
     "Registrarse significa estar presente: aquí 'presence' no puede estar desactivada."},
    {"detail.unknown-purpose", "La finalidad de {field} no es una de las de esta tienda."},
    {"detail.help-request-open",
     "Ya tienes una solicitud de ayuda abierta. El personal llegará pronto; cancélala antes si "
     "quieres preguntar por otra cosa."},
    {"detail.help-request-not-found", "No tienes ninguna solicitud de ayuda con este id."},
    {"detail.help-request-resolved", "Esta solicitud de ayuda ya se resolvió."},
    {"detail.rate-limited", "Demasiados intentos. Espera un poco antes de volver a intentarlo."},
    {"detail.unknown-topic", "Esta tienda no conoce este tema; elige uno de su lista."},
    {"detail.unknown-expertise", "El nivel debe ser principiante, intermedio o experto."},
    {"detail.invalid-expertise", "El nivel debe ser principiante, intermedio o experto."},
    {"detail.unknown-interest",
     "Esta tienda no ofrece este interés; elige uno de su lista (GET /v1/store)."},
    {"detail.duplicate-interest", "El mismo interés aparece dos veces."},
    {"detail.too-many-interests", "Has enviado demasiados intereses."},
    {"detail.not-found", "No hay ningún recurso en esta dirección."},
    {"detail.notice-not-found", "Este dispositivo no tiene esa versión del aviso."},
    {"detail.notice-language-not-found",
     "Esta versión del aviso no tiene texto en el idioma pedido."},
    {"detail.invalid-language", "'lang' debe ser una etiqueta de idioma como \"it\" o \"de-CH\"."},
    {"detail.disk-full",
     "El almacenamiento del dispositivo está lleno, así que no se ha guardado nada. La lectura de "
     "datos sigue funcionando; vuelve a intentarlo más tarde."},
    {"detail.storage-failed",
     "El dispositivo no ha podido escribir en su almacenamiento, así que no se ha guardado nada. "
     "Vuelve a intentarlo en un momento."},
    {"detail.internal", "El dispositivo no pudo completar la solicitud. No se ha cambiado nada."},
    {"detail.staff-token-invalid",
     "Tu sesión del personal es desconocida, ha terminado o ha caducado. Vuelve a iniciar sesión."},
    {"detail.staff-login-failed", "El id del personal o el PIN no es correcto."},
    {"detail.prompt-not-found", "No hay ninguna solicitud con este id."},
    {"detail.prompt-resolved", "Esta solicitud ya se resolvió."},
    {"detail.prompt-closed", "Esta solicitud está cerrada: el cliente ya no necesita esta ayuda."},
    {"detail.not-provisioned",
     "Este dispositivo aún no está configurado; pregunta al responsable de la tienda."},
    {"offers.note.unpublished",
     "Esta tienda aún no ha publicado ofertas. Vuelve a mirar más tarde."},
    {"offers.note.no-signals",
     "Dinos qué te interesa (tus intereses) y elegiremos ofertas para ello."},
    {"offers.note.no-match",
     "Ninguna oferta actual coincide con lo que nos dijiste. Vuelve a mirar más tarde."},
    {"offers.note.picked",
     "Elegidas solo a partir de lo que nos dijiste. Los precios y las condiciones son iguales "
     "para todos."},
    {"reason.declared", "Porque nos dijiste que te interesa {interest}."},
    {"reason.declared-level", "Porque nos dijiste que te interesa {interest} ({level})."},
    {"reason.history", "Porque en una visita anterior miraste ofertas de {interest}."},
    {"level.beginner", "principiante"},
    {"level.intermediate", "intermedio"},
    {"level.expert", "experto"},
    {"interest.level", "{interest} ({level})"},
    {"why.visit.web",
     "Te registraste en la página web de la tienda. El personal te ve como \"{pseudonym}\", "
     "nunca por tu nombre, salvo que permitas 'name_to_staff'."},
    {"why.visit.app",
     "Te registraste con la app. El personal te ve como \"{pseudonym}\", nunca por tu nombre, "
     "salvo que permitas 'name_to_staff'."},
    {"why.visit.loyalty",
     "Te registraste con tu tarjeta de fidelidad. El personal te ve como \"{pseudonym}\", nunca "
     "por tu nombre, salvo que permitas 'name_to_staff'."},
    {"why.purpose", "Permites '{purpose}': {description}"},
    {"why.interests", "Las ofertas se eligen según los intereses que nos dijiste: {interests}."},
    {"why.offer.once", "Te mostramos \"{title}\" una vez. {reason}"},
    {"why.offer.times", "Te mostramos \"{title}\" {times} veces. {reason}"},
    {"why.staff.viewed.associate",
     "Tu solicitud de ayuda se mostró a un empleado de la tienda en la cola del personal."},
    {"why.staff.viewed.manager",
     "Tu solicitud de ayuda se mostró a un responsable de la tienda en la cola del personal."},
    {"why.staff.claimed.associate",
     "Un empleado de la tienda tomó tu solicitud de ayuda y va de camino."},
    {"why.staff.claimed.manager",
     "Un responsable de la tienda tomó tu solicitud de ayuda y va de camino."},
    {"why.staff.claimed-done.associate", "Un empleado de la tienda tomó tu solicitud de ayuda."},
    {"why.staff.claimed-done.manager", "Un responsable de la tienda tomó tu solicitud de ayuda."},
    {"why.staff.resolved.associate",
     "Un empleado de la tienda marcó tu solicitud de ayuda como resuelta."},
    {"why.staff.resolved.manager",
     "Un responsable de la tienda marcó tu solicitud de ayuda como resuelta."},
    {"why.consent.granted", "Activaste '{purpose}'."},
    {"why.consent.withdrawn", "Desactivaste '{purpose}'."},
    {"why.note",
     "Esto es todo lo que el dispositivo de la tienda hizo con tus datos en esta visita. El "
     "personal aparece por su función, nunca por su nombre."},
    {"receipt.until", "Hasta el {until}, o hasta que lo retires."},
    {"receipt.not-in-force", "No está en vigor."},
    {"store.default.asked", "se pregunta al registrarse"},
    {"store.default.off", "desactivado"},
    {"data.presence", "presencia durante la visita (sin rastreo de ubicación)"},
    {"data.offers", "intereses y nivel que indicaste"},
    {"data.assistance", "tema de la ayuda, nivel y tu nota"},
    {"data.name_to_staff", "nombre de pila"},
    {"data.history", "intereses indicados e historial de visitas"},
    {"data.hq_aggregates", "recuentos de visitas (agregados)"},
};

constexpr Text kDe[] = {
    {"title.400", "Ungültige Anfrage"},
    {"title.401", "Nicht angemeldet"},
    {"title.403", "Nicht erlaubt"},
    {"title.404", "Nicht gefunden"},
    {"title.405", "Methode nicht erlaubt"},
    {"title.409", "Konflikt"},
    {"title.413", "Anfrage zu groß"},
    {"title.415", "Inhaltstyp nicht unterstützt"},
    {"title.422", "Hier nicht möglich"},
    {"title.426", "Protokollwechsel nötig"},
    {"title.429", "Zu viele Anfragen"},
    {"title.500", "Interner Fehler"},
    {"title.503", "Dienst nicht verfügbar"},
    {"title.forbidden-field", "Feld wird nie angenommen"},
    {"title.disk-full", "Speicher voll"},
    {"title.storage-failed", "Speicherfehler"},
    {"detail.400", "Die Anfrage ist ungültig. Bitte prüfen und erneut senden."},
    {"detail.401",
     "Sie sind nicht angemeldet oder Ihr Token ist ungültig. Checken Sie erneut ein "
     "oder melden Sie sich erneut an."},
    {"detail.403", "Das dürfen Sie nicht."},
    {"detail.404", "Hier gibt es nichts."},
    {"detail.405", "Diese Adresse nimmt diese Methode nicht an."},
    {"detail.409", "Das ist im aktuellen Zustand nicht möglich."},
    {"detail.413", "Die Anfrage ist zu groß."},
    {"detail.415", "Senden Sie den Inhalt als JSON (Content-Type: application/json)."},
    {"detail.422", "Das ist hier nicht möglich."},
    {"detail.426", "Diese Adresse spricht nur WebSocket."},
    {"detail.429", "Zu viele Anfragen. Bitte warten Sie kurz und versuchen Sie es erneut."},
    {"detail.500", "Das Gerät konnte die Anfrage nicht ausführen. Es wurde nichts geändert."},
    {"detail.503", "Das Gerät kann gerade nicht antworten. Versuchen Sie es gleich noch einmal."},
    {"detail.at-field", "(Feld: {field})"},
    {"detail.missing-field", "Das Feld {field} ist erforderlich."},
    {"detail.unknown-field", "Das Feld {field} ist hier unbekannt; lassen Sie es weg."},
    {"detail.invalid-type", "Der Wert bei {field} hat den falschen Typ."},
    {"detail.too-long", "Der Text bei {field} ist zu lang."},
    {"detail.too-short", "Der Text bei {field} ist zu kurz."},
    {"detail.control-characters", "Der Text bei {field} enthält Steuerzeichen."},
    {"detail.invalid-utf8", "Der Text bei {field} ist kein gültiges UTF-8."},
    {"detail.image-refused", "Bilder werden nie angenommen, in keinem Feld ({field})."},
    {"detail.malformed-json", "Der Inhalt ist kein gültiges JSON."},
    {"detail.duplicate-member",
     "Das Element {field} kommt mehrmals vor; senden Sie jedes Element nur einmal."},
    {"detail.forbidden-field",
     "Das Feld {field} wird nie angenommen: Dieses Geschäft erhebt solche Daten nicht."},
    {"detail.unsupported-media-type",
     "Senden Sie den Inhalt als JSON (Content-Type: application/json)."},
    {"detail.missing-token", "Senden Sie Ihr Token als 'Authorization: Bearer <token>'."},
    {"detail.staff-session",
     "Dies ist eine Sitzung des Personals: Ihr Token gilt nur für die Funktionen der "
     "Personalkonsole."},
    {"detail.visit-token-invalid",
     "Das Besuchs-Token ist unbekannt oder der Besuch ist beendet. Checken Sie erneut ein."},
    {"detail.token-expired", "Ihr Token ist abgelaufen. Holen Sie sich in der App ein neues."},
    {"detail.token-not-yet-valid",
     "Ihr Token ist noch nicht gültig. Prüfen Sie die Uhrzeit Ihres Telefons."},
    {"detail.token-malformed", "Das Token ist nicht richtig aufgebaut."},
    {"detail.token-signature", "Die Signatur des Tokens ist ungültig."},
    {"detail.token-algorithm", "Das Token muss mit ES256 signiert sein."},
    {"detail.token-replayed",
     "Mit diesem Token wurde schon eingecheckt. Holen Sie sich in der App ein neues."},
    {"detail.no-active-visit",
     "Sie haben keinen laufenden Besuch. Checken Sie zuerst am Eingang ein."},
    {"detail.consent-required",
     "Dafür ist ein Zweck nötig, den Sie nicht erlaubt haben. Schalten Sie ihn zuerst ein, wenn "
     "Sie möchten."},
    {"detail.purpose-needs-app",
     "Dieser Zweck braucht die App des Geschäfts: Ein Besuch über die Webseite ist anonym und "
     "wird nicht gespeichert."},
    {"detail.presence-required",
     "Einchecken heißt anwesend sein: 'presence' kann hier nicht ausgeschaltet sein."},
    {"detail.unknown-purpose", "Der Zweck bei {field} ist diesem Geschäft nicht bekannt."},
    {"detail.help-request-open",
     "Sie haben schon eine offene Hilfeanfrage. Das Personal kommt bald; brechen Sie sie zuerst "
     "ab, wenn Sie etwas anderes fragen möchten."},
    {"detail.help-request-not-found", "Sie haben keine Hilfeanfrage mit dieser ID."},
    {"detail.help-request-resolved", "Diese Hilfeanfrage wurde bereits erledigt."},
    {"detail.rate-limited",
     "Zu viele Versuche. Bitte warten Sie kurz, bevor Sie es erneut versuchen."},
    {"detail.unknown-topic",
     "Dieses Geschäft kennt dieses Thema nicht; wählen Sie eines aus seiner Liste."},
    {"detail.unknown-expertise", "Die Stufe muss Anfänger, Fortgeschritten oder Experte sein."},
    {"detail.invalid-expertise", "Die Stufe muss Anfänger, Fortgeschritten oder Experte sein."},
    {"detail.unknown-interest",
     "Dieses Geschäft bietet dieses Interesse nicht an; wählen Sie eines aus seiner Liste (GET "
     "/v1/store)."},
    {"detail.duplicate-interest", "Dasselbe Interesse steht zweimal in der Liste."},
    {"detail.too-many-interests", "Es wurden zu viele Interessen gesendet."},
    {"detail.not-found", "Unter dieser Adresse gibt es nichts."},
    {"detail.notice-not-found", "Diese Version des Hinweises gibt es auf diesem Gerät nicht."},
    {"detail.notice-language-not-found",
     "Diese Version des Hinweises hat keinen Text in der gewünschten Sprache."},
    {"detail.invalid-language", "'lang' muss ein Sprachkürzel wie \"it\" oder \"de-CH\" sein."},
    {"detail.disk-full",
     "Der Speicher des Geräts ist voll, daher wurde nichts gespeichert. Lesen funktioniert "
     "weiterhin; versuchen Sie es später erneut."},
    {"detail.storage-failed",
     "Das Gerät konnte nicht in seinen Speicher schreiben, daher wurde nichts gespeichert. "
     "Versuchen Sie es gleich noch einmal."},
    {"detail.internal", "Das Gerät konnte die Anfrage nicht ausführen. Es wurde nichts geändert."},
    {"detail.staff-token-invalid",
     "Ihre Personalsitzung ist unbekannt, beendet oder abgelaufen. Melden Sie sich erneut an."},
    {"detail.staff-login-failed", "Personal-ID oder PIN ist falsch."},
    {"detail.prompt-not-found", "Es gibt keine Anfrage mit dieser ID."},
    {"detail.prompt-resolved", "Diese Anfrage wurde bereits erledigt."},
    {"detail.prompt-closed",
     "Diese Anfrage ist geschlossen: Die Kundin oder der Kunde braucht diese Hilfe nicht mehr."},
    {"detail.not-provisioned",
     "Dieses Gerät ist noch nicht eingerichtet; fragen Sie die Filialleitung."},
    {"offers.note.unpublished",
     "Dieses Geschäft hat noch keine Angebote veröffentlicht. Schauen Sie später wieder vorbei."},
    {"offers.note.no-signals",
     "Sagen Sie uns, wofür Sie sich interessieren (Ihre Interessen), und wir wählen passende "
     "Angebote aus."},
    {"offers.note.no-match",
     "Kein aktuelles Angebot passt zu Ihren Angaben. Schauen Sie später wieder vorbei."},
    {"offers.note.picked",
     "Nur nach Ihren Angaben ausgewählt. Preise und Bedingungen sind für alle gleich."},
    {"reason.declared", "Weil Sie uns gesagt haben, dass Sie sich für {interest} interessieren."},
    {"reason.declared-level",
     "Weil Sie uns gesagt haben, dass Sie sich für {interest} ({level}) interessieren."},
    {"reason.history",
     "Weil Sie bei einem früheren Besuch Angebote zu {interest} angesehen haben."},
    {"level.beginner", "Anfänger"},
    {"level.intermediate", "Fortgeschritten"},
    {"level.expert", "Experte"},
    {"interest.level", "{interest} ({level})"},
    {"why.visit.web",
     "Sie haben über die Webseite des Geschäfts eingecheckt. Das Personal sieht Sie als "
     "\"{pseudonym}\", nie mit Namen, außer Sie erlauben 'name_to_staff'."},
    {"why.visit.app",
     "Sie haben mit der App eingecheckt. Das Personal sieht Sie als \"{pseudonym}\", nie mit "
     "Namen, außer Sie erlauben 'name_to_staff'."},
    {"why.visit.loyalty",
     "Sie haben mit Ihrer Kundenkarte eingecheckt. Das Personal sieht Sie als \"{pseudonym}\", "
     "nie mit Namen, außer Sie erlauben 'name_to_staff'."},
    {"why.purpose", "Sie erlauben '{purpose}': {description}"},
    {"why.interests",
     "Angebote werden nach den Interessen ausgewählt, die Sie uns genannt haben: {interests}."},
    {"why.offer.once", "Wir haben Ihnen \"{title}\" einmal gezeigt. {reason}"},
    {"why.offer.times", "Wir haben Ihnen \"{title}\" {times}-mal gezeigt. {reason}"},
    {"why.staff.viewed.associate",
     "Ihre Hilfeanfrage wurde einer Mitarbeiterin oder einem Mitarbeiter in der Warteschlange "
     "des Personals angezeigt."},
    {"why.staff.viewed.manager",
     "Ihre Hilfeanfrage wurde der Filialleitung in der Warteschlange des Personals angezeigt."},
    {"why.staff.claimed.associate",
     "Eine Mitarbeiterin oder ein Mitarbeiter hat Ihre Hilfeanfrage übernommen und ist "
     "unterwegs."},
    {"why.staff.claimed.manager",
     "Die Filialleitung hat Ihre Hilfeanfrage übernommen und ist unterwegs."},
    {"why.staff.claimed-done.associate",
     "Eine Mitarbeiterin oder ein Mitarbeiter hat Ihre Hilfeanfrage übernommen."},
    {"why.staff.claimed-done.manager", "Die Filialleitung hat Ihre Hilfeanfrage übernommen."},
    {"why.staff.resolved.associate",
     "Eine Mitarbeiterin oder ein Mitarbeiter hat Ihre Hilfeanfrage als erledigt markiert."},
    {"why.staff.resolved.manager",
     "Die Filialleitung hat Ihre Hilfeanfrage als erledigt markiert."},
    {"why.consent.granted", "Sie haben '{purpose}' eingeschaltet."},
    {"why.consent.withdrawn", "Sie haben '{purpose}' ausgeschaltet."},
    {"why.note",
     "Das ist alles, was das Gerät des Geschäfts bei diesem Besuch mit Ihren Daten getan hat. Das "
     "Personal wird nach Rolle genannt, nie mit Namen."},
    {"receipt.until", "Bis {until} oder bis Sie sie widerrufen."},
    {"receipt.not-in-force", "Nicht in Kraft."},
    {"store.default.asked", "wird beim Einchecken gefragt"},
    {"store.default.off", "aus"},
    {"data.presence", "Anwesenheit beim Besuch (keine Standortverfolgung)"},
    {"data.offers", "angegebene Interessen und Erfahrungsstufe"},
    {"data.assistance", "Thema der Hilfe, Erfahrungsstufe und Ihre Notiz"},
    {"data.name_to_staff", "Vorname"},
    {"data.history", "angegebene Interessen und frühere Besuche"},
    {"data.hq_aggregates", "Besuchszahlen (zusammengefasst)"},
};

constexpr Text kFr[] = {
    {"title.400", "Requête non valide"},
    {"title.401", "Non authentifié"},
    {"title.403", "Non autorisé"},
    {"title.404", "Introuvable"},
    {"title.405", "Méthode non autorisée"},
    {"title.409", "Conflit"},
    {"title.413", "Requête trop volumineuse"},
    {"title.415", "Type de contenu non pris en charge"},
    {"title.422", "Impossible ici"},
    {"title.426", "Changement de protocole requis"},
    {"title.429", "Trop de requêtes"},
    {"title.500", "Erreur interne"},
    {"title.503", "Service indisponible"},
    {"title.forbidden-field", "Champ jamais accepté"},
    {"title.disk-full", "Stockage plein"},
    {"title.storage-failed", "Erreur de stockage"},
    {"detail.400", "La requête n'est pas valide. Vérifiez-la et envoyez-la à nouveau."},
    {"detail.401",
     "Vous n'êtes pas connecté ou votre jeton n'est pas valide. Enregistrez-vous à "
     "nouveau à l'entrée ou reconnectez-vous."},
    {"detail.403", "Vous n'avez pas le droit de faire cela."},
    {"detail.404", "Il n'y a rien ici."},
    {"detail.405", "Cette adresse n'accepte pas cette méthode."},
    {"detail.409", "Ce n'est pas possible dans l'état actuel."},
    {"detail.413", "La requête est trop volumineuse."},
    {"detail.415", "Envoyez le corps en JSON (Content-Type: application/json)."},
    {"detail.422", "Ce n'est pas possible ici."},
    {"detail.426", "Cette adresse ne parle que WebSocket."},
    {"detail.429", "Trop de requêtes. Patientez un peu et réessayez."},
    {"detail.500", "L'appareil n'a pas pu traiter la requête. Rien n'a été modifié."},
    {"detail.503", "L'appareil ne peut pas répondre pour l'instant. Réessayez dans un moment."},
    {"detail.at-field", "(Champ : {field})"},
    {"detail.missing-field", "Le champ {field} est obligatoire."},
    {"detail.unknown-field", "Le champ {field} n'est pas connu ici ; retirez-le."},
    {"detail.invalid-type", "La valeur de {field} n'a pas le bon type."},
    {"detail.too-long", "Le texte de {field} est trop long."},
    {"detail.too-short", "Le texte de {field} est trop court."},
    {"detail.control-characters", "Le texte de {field} contient des caractères de contrôle."},
    {"detail.invalid-utf8", "Le texte de {field} n'est pas de l'UTF-8 valide."},
    {"detail.image-refused", "Les images ne sont jamais acceptées, dans aucun champ ({field})."},
    {"detail.malformed-json", "Le corps n'est pas du JSON valide."},
    {"detail.duplicate-member",
     "Le membre {field} apparaît plus d'une fois ; envoyez chaque membre une seule fois."},
    {"detail.forbidden-field",
     "Le champ {field} n'est jamais accepté : ce magasin ne collecte pas ce type de données."},
    {"detail.unsupported-media-type", "Envoyez le corps en JSON (Content-Type: application/json)."},
    {"detail.missing-token", "Envoyez votre jeton sous la forme 'Authorization: Bearer <token>'."},
    {"detail.staff-session",
     "Ceci est une session du personnel : son jeton ne sert qu'aux fonctions de la console du "
     "personnel."},
    {"detail.visit-token-invalid",
     "Le jeton de visite est inconnu ou la visite est terminée. Enregistrez-vous à nouveau à "
     "l'entrée."},
    {"detail.token-expired", "Votre jeton a expiré. Demandez-en un nouveau à l'application."},
    {"detail.token-not-yet-valid",
     "Votre jeton n'est pas encore valide. Vérifiez l'heure de votre téléphone."},
    {"detail.token-malformed", "Le jeton est mal formé."},
    {"detail.token-signature", "La signature du jeton n'est pas valide."},
    {"detail.token-algorithm", "Le jeton doit être signé avec ES256."},
    {"detail.token-replayed",
     "Ce jeton a déjà servi à s'enregistrer. Demandez-en un nouveau à l'application."},
    {"detail.no-active-visit",
     "Vous n'avez pas de visite en cours. Enregistrez-vous d'abord à l'entrée."},
    {"detail.consent-required",
     "Cela demande une finalité que vous n'avez pas autorisée. Activez-la d'abord si vous le "
     "souhaitez."},
    {"detail.purpose-needs-app",
     "Cette finalité demande l'application du magasin : une visite depuis la page web est anonyme "
     "et n'est pas mémorisée."},
    {"detail.presence-required",
     "S'enregistrer, c'est être présent : 'presence' ne peut pas être désactivée ici."},
    {"detail.unknown-purpose", "La finalité de {field} n'est pas connue de ce magasin."},
    {"detail.help-request-open",
     "Vous avez déjà une demande d'aide ouverte. Le personnel arrive bientôt ; annulez-la "
     "d'abord si vous voulez demander autre chose."},
    {"detail.help-request-not-found", "Vous n'avez aucune demande d'aide avec cet identifiant."},
    {"detail.help-request-resolved", "Cette demande d'aide a déjà été traitée."},
    {"detail.rate-limited", "Trop de tentatives. Patientez un peu avant de réessayer."},
    {"detail.unknown-topic",
     "Ce magasin ne connaît pas ce sujet ; choisissez-en un dans sa liste."},
    {"detail.unknown-expertise", "Le niveau doit être débutant, intermédiaire ou expert."},
    {"detail.invalid-expertise", "Le niveau doit être débutant, intermédiaire ou expert."},
    {"detail.unknown-interest",
     "Ce magasin ne propose pas cet intérêt ; choisissez-en un dans sa liste (GET /v1/store)."},
    {"detail.duplicate-interest", "Le même intérêt figure deux fois."},
    {"detail.too-many-interests", "Trop d'intérêts ont été envoyés."},
    {"detail.not-found", "Il n'y a aucune ressource à cette adresse."},
    {"detail.notice-not-found", "Cet appareil n'a pas cette version de la notice."},
    {"detail.notice-language-not-found",
     "Cette version de la notice n'a pas de texte dans la langue demandée."},
    {"detail.invalid-language",
     "'lang' doit être une étiquette de langue comme \"it\" ou \"de-CH\"."},
    {"detail.disk-full",
     "Le stockage de l'appareil est plein : rien n'a été enregistré. La lecture des données "
     "fonctionne encore ; réessayez plus tard."},
    {"detail.storage-failed",
     "L'appareil n'a pas pu écrire dans son stockage : rien n'a été enregistré. Réessayez dans "
     "un instant."},
    {"detail.internal", "L'appareil n'a pas pu traiter la requête. Rien n'a été modifié."},
    {"detail.staff-token-invalid",
     "Votre session du personnel est inconnue, terminée ou expirée. Reconnectez-vous."},
    {"detail.staff-login-failed", "L'identifiant du personnel ou le code PIN est incorrect."},
    {"detail.prompt-not-found", "Il n'y a aucune demande avec cet identifiant."},
    {"detail.prompt-resolved", "Cette demande a déjà été traitée."},
    {"detail.prompt-closed", "Cette demande est close : le client n'a plus besoin de cette aide."},
    {"detail.not-provisioned",
     "Cet appareil n'est pas encore configuré ; adressez-vous au responsable du magasin."},
    {"offers.note.unpublished", "Ce magasin n'a encore publié aucune offre. Revenez plus tard."},
    {"offers.note.no-signals",
     "Dites-nous ce qui vous intéresse (vos centres d'intérêt) et nous choisirons des offres en "
     "conséquence."},
    {"offers.note.no-match",
     "Aucune offre actuelle ne correspond à ce que vous nous avez dit. Revenez plus tard."},
    {"offers.note.picked",
     "Choisies uniquement d'après ce que vous nous avez dit. Les prix et conditions sont les "
     "mêmes pour tous."},
    {"reason.declared", "Parce que vous nous avez dit vous intéresser à {interest}."},
    {"reason.declared-level",
     "Parce que vous nous avez dit vous intéresser à {interest} ({level})."},
    {"reason.history",
     "Parce que vous avez regardé des offres de la catégorie {interest} lors d'une visite "
     "précédente."},
    {"level.beginner", "débutant"},
    {"level.intermediate", "intermédiaire"},
    {"level.expert", "expert"},
    {"interest.level", "{interest} ({level})"},
    {"why.visit.web",
     "Vous vous êtes enregistré sur la page web du magasin. Le personnel vous voit comme "
     "\"{pseudonym}\", jamais par votre nom, sauf si vous autorisez 'name_to_staff'."},
    {"why.visit.app",
     "Vous vous êtes enregistré avec l'application. Le personnel vous voit comme \"{pseudonym}\", "
     "jamais par votre nom, sauf si vous autorisez 'name_to_staff'."},
    {"why.visit.loyalty",
     "Vous vous êtes enregistré avec votre carte de fidélité. Le personnel vous voit comme "
     "\"{pseudonym}\", jamais par votre nom, sauf si vous autorisez 'name_to_staff'."},
    {"why.purpose", "Vous autorisez '{purpose}' : {description}"},
    {"why.interests",
     "Les offres sont choisies d'après les centres d'intérêt que vous nous avez indiqués : "
     "{interests}."},
    {"why.offer.once", "Nous vous avons montré \"{title}\" une fois. {reason}"},
    {"why.offer.times", "Nous vous avons montré \"{title}\" {times} fois. {reason}"},
    {"why.staff.viewed.associate",
     "Votre demande d'aide a été affichée pour un employé du magasin dans la file du personnel."},
    {"why.staff.viewed.manager",
     "Votre demande d'aide a été affichée pour un responsable du magasin dans la file du "
     "personnel."},
    {"why.staff.claimed.associate",
     "Un employé du magasin a pris en charge votre demande d'aide et arrive."},
    {"why.staff.claimed.manager",
     "Un responsable du magasin a pris en charge votre demande d'aide et arrive."},
    {"why.staff.claimed-done.associate",
     "Un employé du magasin a pris en charge votre demande d'aide."},
    {"why.staff.claimed-done.manager",
     "Un responsable du magasin a pris en charge votre demande d'aide."},
    {"why.staff.resolved.associate",
     "Un employé du magasin a marqué votre demande d'aide comme traitée."},
    {"why.staff.resolved.manager",
     "Un responsable du magasin a marqué votre demande d'aide comme traitée."},
    {"why.consent.granted", "Vous avez activé '{purpose}'."},
    {"why.consent.withdrawn", "Vous avez désactivé '{purpose}'."},
    {"why.note",
     "Voici tout ce que l'appareil du magasin a fait de vos données pendant cette visite. Le "
     "personnel est désigné par son rôle, jamais par son nom."},
    {"receipt.until", "Jusqu'au {until}, ou jusqu'à ce que vous le retiriez."},
    {"receipt.not-in-force", "Pas en vigueur."},
    {"store.default.asked", "demandé à l'enregistrement"},
    {"store.default.off", "désactivé"},
    {"data.presence", "présence pendant la visite (aucun suivi de position)"},
    {"data.offers", "centres d'intérêt et niveau indiqués"},
    {"data.assistance", "sujet de l'aide, niveau et votre note"},
    {"data.name_to_staff", "prénom"},
    {"data.history", "centres d'intérêt indiqués et historique des visites"},
    {"data.hq_aggregates", "nombre de visites (agrégé)"},
};

struct Catalog {
  std::string_view language;
  std::span<const Text> texts;
};

constexpr Catalog kCatalogs[] = {{"en", kEn}, {"it", kIt}, {"es", kEs}, {"de", kDe}, {"fr", kFr}};
constexpr std::string_view kLanguages[] = {"en", "it", "es", "de", "fr"};

const Catalog* Find(std::string_view language) {
  for (const Catalog& c : kCatalogs) {
    if (c.language == language) return &c;
  }
  return nullptr;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::span<const std::string_view> ApiTexts::Languages() { return kLanguages; }

bool ApiTexts::Has(std::string_view language) { return Find(language) != nullptr; }

std::vector<std::string_view> ApiTexts::Keys(std::string_view language) {
  std::vector<std::string_view> keys;
  if (const Catalog* c = Find(language)) {
    for (const Text& t : c->texts) keys.push_back(t.key);
  }
  return keys;
}

std::optional<std::string_view> ApiTexts::Template(std::string_view language,
                                                   std::string_view key) {
  const Catalog* c = Find(language);
  if (c == nullptr) return std::nullopt;
  for (const Text& t : c->texts) {
    if (t.key == key) return t.text;
  }
  return std::nullopt;
}

std::vector<std::string> ApiTexts::Parameters(std::string_view text) {
  std::vector<std::string> names;
  for (size_t open = text.find('{'); open != std::string_view::npos;
       open = text.find('{', open + 1)) {
    size_t end = open + 1;
    while (end < text.size() && IsNameChar(text[end])) ++end;
    if (end < text.size() && text[end] == '}' && end > open + 1) {
      names.emplace_back(text.substr(open + 1, end - open - 1));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string_view ApiTexts::Effective(std::string_view language) {
  return Has(language) ? language : std::string_view("en");
}

std::string ApiTexts::Render(std::string_view language, std::string_view key,
                             std::initializer_list<Param> params) {
  auto text = Template(Effective(language), key);
  if (!text) text = Template("en", key);
  if (!text) return {};
  std::string out;
  out.reserve(text->size() + 32);
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t open = rest.find('{');
    if (open == std::string_view::npos) break;
    size_t end = open + 1;
    while (end < rest.size() && IsNameChar(rest[end])) ++end;
    out.append(rest.substr(0, open));
    if (end < rest.size() && rest[end] == '}') {
      std::string_view name = rest.substr(open + 1, end - open - 1);
      const Param* found = nullptr;
      for (const Param& p : params) {
        if (p.first == name) found = &p;
      }
      if (found != nullptr) {
        out.append(found->second);
      } else {
        out.append(rest.substr(open, end - open + 1));
      }
      rest.remove_prefix(end + 1);
    } else {
      out.push_back('{');
      rest.remove_prefix(open + 1);
    }
  }
  out.append(rest);
  return out;
}

}  // namespace optin::notices
