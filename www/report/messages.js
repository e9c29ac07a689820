// Interface strings of the report control (redflag-report.js), for people
// reading a listing. Override any of them with
// `attachReport(container, { strings })`. `{max}` and `{ref}` are filled in.
//
// The reasons map to the packs' categories (see REPORT_REASONS in
// www/edge/report.js); their labels describe what a reader may have seen in
// plain words, without legal terms.
//
// Languages: en, es, fr, pt (the form helper's first four; see
// www/form/messages.js for the pattern). Other languages use English.
export const reportStrings = {
  en: {
    button: "Report this ad",
    reported: "Reported",
    question: "What worries you about this ad?",
    reasons: {
      minor: "It may involve someone under 18",
      "fees-debt": "Workers must pay fees or are kept in debt",
      documents: "Someone's passport or ID papers are kept",
      movement: "Someone is not free to leave or to move around",
      "third-party": "Someone else controls the person or their money",
      other: "Something else",
    },
    comment: "Anything else we should know? (optional)",
    commentHint: "Up to {max} characters. Please do not include your own contact details.",
    send: "Send report",
    cancel: "Cancel",
    sending: "Sending your report…",
    sent: "Thank you. Your report was sent to our team. Reference: {ref}",
    chooseReason: "Please choose a reason.",
    tooLong: "Your comment is too long. Please shorten it.",
    tooMany: "You have sent many reports. Please try again later.",
    failed: "Your report could not be sent. Please try again later.",
    emergency: "If someone is in danger now, call your local emergency number.",
  },
  es: {
    button: "Denunciar este anuncio",
    reported: "Denunciado",
    question: "¿Qué te preocupa de este anuncio?",
    reasons: {
      minor: "Puede afectar a una persona menor de 18 años",
      "fees-debt": "Se cobra a los trabajadores o se les mantiene endeudados",
      documents: "Alguien retiene el pasaporte o los documentos de una persona",
      movement: "Alguien no es libre de irse o de moverse",
      "third-party": "Otra persona controla a alguien o su dinero",
      other: "Otra cosa",
    },
    comment: "¿Algo más que debamos saber? (opcional)",
    commentHint: "Hasta {max} caracteres. No incluyas tus propios datos de contacto.",
    send: "Enviar denuncia",
    cancel: "Cancelar",
    sending: "Enviando tu denuncia…",
    sent: "Gracias. Tu denuncia se ha enviado a nuestro equipo. Referencia: {ref}",
    chooseReason: "Elige un motivo.",
    tooLong: "Tu comentario es demasiado largo. Acórtalo, por favor.",
    tooMany: "Has enviado muchas denuncias. Inténtalo de nuevo más tarde.",
    failed: "No se ha podido enviar tu denuncia. Inténtalo de nuevo más tarde.",
    emergency: "Si alguien está en peligro ahora, llama al número de emergencias local.",
  },
  fr: {
    button: "Signaler cette annonce",
    reported: "Signalée",
    question: "Qu’est-ce qui vous inquiète dans cette annonce ?",
    reasons: {
      minor: "Elle peut concerner une personne de moins de 18 ans",
      "fees-debt": "Les travailleurs doivent payer des frais ou sont endettés",
      documents: "Le passeport ou les papiers d’une personne sont retenus",
      movement: "Une personne n’est pas libre de partir ou de se déplacer",
      "third-party": "Quelqu’un d’autre contrôle la personne ou son argent",
      other: "Autre chose",
    },
    comment: "Autre chose à nous dire ? (facultatif)",
    commentHint: "Jusqu’à {max} caractères. N’indiquez pas vos propres coordonnées.",
    send: "Envoyer le signalement",
    cancel: "Annuler",
    sending: "Envoi de votre signalement…",
    sent: "Merci. Votre signalement a été envoyé à notre équipe. Référence : {ref}",
    chooseReason: "Veuillez choisir un motif.",
    tooLong: "Votre commentaire est trop long. Veuillez le raccourcir.",
    tooMany: "Vous avez envoyé beaucoup de signalements. Veuillez réessayer plus tard.",
    failed: "Votre signalement n’a pas pu être envoyé. Veuillez réessayer plus tard.",
    emergency: "Si quelqu’un est en danger maintenant, appelez le numéro d’urgence local.",
  },
  pt: {
    button: "Denunciar este anúncio",
    reported: "Denunciado",
    question: "O que o preocupa neste anúncio?",
    reasons: {
      minor: "Pode envolver alguém com menos de 18 anos",
      "fees-debt": "Os trabalhadores pagam taxas ou ficam endividados",
      documents: "O passaporte ou os documentos de alguém ficam retidos",
      movement: "Alguém não é livre de sair ou de se deslocar",
      "third-party": "Outra pessoa controla alguém ou o seu dinheiro",
      other: "Outra coisa",
    },
    comment: "Mais alguma coisa que devamos saber? (opcional)",
    commentHint: "Até {max} caracteres. Não inclua os seus próprios contactos.",
    send: "Enviar denúncia",
    cancel: "Cancelar",
    sending: "A enviar a sua denúncia…",
    sent: "Obrigado. A sua denúncia foi enviada à nossa equipa. Referência: {ref}",
    chooseReason: "Escolha um motivo.",
    tooLong: "O seu comentário é demasiado longo. Encurte-o, por favor.",
    tooMany: "Enviou muitas denúncias. Tente novamente mais tarde.",
    failed: "Não foi possível enviar a sua denúncia. Tente novamente mais tarde.",
    emergency: "Se alguém está em perigo agora, ligue para o número de emergência local.",
  },
};

/** The reasons, in the order the control lists them (the edge accepts exactly these). */
export const reportReasons = ["minor", "fees-debt", "documents", "movement", "third-party", "other"];

/**
 * The interface language for a BCP 47 tag: its primary subtag when the
 * control has strings for it (`pt-BR` → `pt`), else `en`.
 *
 * @param {string | null | undefined} tag
 * @returns {"en" | "es" | "fr" | "pt"}
 */
export function resolveReportLang(tag) {
  const base = String(tag || "en").trim().toLowerCase().replace(/_/g, "-").split("-")[0];
  return Object.hasOwn(reportStrings, base) ? base : "en";
}
