// Interface strings of the form integration, in the four languages the
// default packs cover. Override any of them with `attachForm(form, { strings })`.
// They describe policy in general terms and never name what matched.
export const uiStrings = {
  en: {
    warnHeading: "Please check your ad before posting.",
    reviewHeading: "Your ad will be checked by our team before it appears.",
    blockHeading: "This ad can't be posted.",
    blockHelp: "Please read our posting rules and change your ad.",
    review: "Thank you. Your ad will be checked by our team before it appears.",
    checkThese: "These parts of your ad may break our rules:",
    edit: "Edit my ad",
    postAnyway: "Post anyway",
  },
  es: {
    warnHeading: "Revisa tu anuncio antes de publicarlo.",
    reviewHeading: "Nuestro equipo revisará tu anuncio antes de publicarlo.",
    blockHeading: "Este anuncio no se puede publicar.",
    blockHelp: "Lee nuestras normas de publicación y modifica tu anuncio.",
    review: "Gracias. Nuestro equipo revisará tu anuncio antes de publicarlo.",
    checkThese: "Estas partes de tu anuncio pueden incumplir nuestras normas:",
    edit: "Editar mi anuncio",
    postAnyway: "Publicar de todos modos",
  },
  fr: {
    warnHeading: "Veuillez vérifier votre annonce avant de la publier.",
    reviewHeading: "Notre équipe vérifiera votre annonce avant sa publication.",
    blockHeading: "Cette annonce ne peut pas être publiée.",
    blockHelp: "Veuillez lire nos règles de publication et modifier votre annonce.",
    review: "Merci. Notre équipe vérifiera votre annonce avant sa publication.",
    checkThese: "Ces passages de votre annonce peuvent enfreindre nos règles :",
    edit: "Modifier mon annonce",
    postAnyway: "Publier quand même",
  },
  pt: {
    warnHeading: "Verifique o seu anúncio antes de publicar.",
    reviewHeading: "A nossa equipa vai verificar o seu anúncio antes de ser publicado.",
    blockHeading: "Este anúncio não pode ser publicado.",
    blockHelp: "Leia as nossas regras de publicação e altere o seu anúncio.",
    review: "Obrigado. A nossa equipa vai verificar o seu anúncio antes de ser publicado.",
    checkThese: "Estas partes do seu anúncio podem violar as nossas regras:",
    edit: "Editar o meu anúncio",
    postAnyway: "Publicar mesmo assim",
  },
};
