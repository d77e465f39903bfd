"""Word lists of the verbatim analysis (``verbatims.py``): plain data, hand-written for Parcours.

Every entry is lower-case and without accents, because the text is matched that way ("délai" and
"delai" both become ``delai``). An entry is a word (``prix``), a stem ending in ``*`` that matches
any word starting with it (``livraison*``), or several words separated by spaces, each of which may
be a stem (``pas de nouvelle*``). Where entries overlap, the longest wins: ``aucun retour`` (no
reply) is read before ``retour`` (a return). Groups are written as comma-separated strings so that a
list stays readable; ``_scored`` refuses an entry given two values.

To extend: add the word to the group of its value, run the unit tests (they check that every
entry is lower-case ASCII and that no theme term belongs to two themes), then add a comment from a
real survey as a test case. If a word means something else in the other language ("store" is a
window blind in French), list it in ``FALSE_FRIENDS`` for the language where it misleads.
"""

from __future__ import annotations

from collections.abc import Mapping


def _terms(text: str) -> tuple[str, ...]:
    return tuple(term.strip() for term in text.split(",") if term.strip())


def _scored(groups: Mapping[float, str]) -> dict[str, float]:
    scored: dict[str, float] = {}
    for value, text in groups.items():
        for term in _terms(text):
            if term in scored:
                raise ValueError(f"lexicon entry {term!r} has two values")
            scored[term] = value
    return scored


#: Theme key → (French label, English label), in the order themes are reported.
THEMES: dict[str, tuple[str, str]] = {
    "waiting_time": ("Temps d'attente", "Waiting time"),
    "delivery": ("Livraison", "Delivery"),
    "price": ("Prix et frais", "Price and fees"),
    "staff_courtesy": ("Amabilité du personnel", "Staff courtesy"),
    "staff_competence": ("Compétence et conseil", "Staff competence and advice"),
    "product_quality": ("Qualité des produits", "Product quality"),
    "after_sales": ("Service après-vente", "After-sales service"),
    "reachability": ("Joignabilité", "Reachability"),
    "website_app": ("Site et application", "Website and app"),
    "store": ("Magasin et agence", "Store and branch"),
    "billing": ("Facturation et remboursements", "Billing and refunds"),
    "communication": ("Information et suivi", "Information and follow-up"),
    "claims": ("Sinistres et indemnisation", "Claims and compensation"),
}

#: Theme key → the terms that signal it. "retard"/"late" are waiting time, not delivery: with a
#: delivery word they add nothing ("livraison en retard" is already delivery), without one they
#: are an adviser or an engineer who came late.
THEME_TERMS: dict[str, tuple[str, ...]] = {
    "waiting_time": _terms(
        "attente, attendre, attend, attends, attendu, attendue, attendais, attendons, patienter,"
        " delai, delais, temps d attente, file d attente, long, longue, longs, longues, longtemps,"
        " queue, retard*, wait, waits, waited, waiting, on hold, delay, delays, delayed, late,"
        " forever, took ages"
    ),
    "delivery": _terms(
        "livraison*, livre, livree, livres, livrees, livrer, livrez, livrons, livrent, livreur*,"
        " colis, transporteur*, expedition*, expedie*, montage, monteur*, delivery, deliveries,"
        " deliver, delivered, delivering, courier*, parcel*, shipping, shipment*, shipped"
    ),
    "price": _terms(
        "prix, hors de prix, cher, chere, chers, cheres, tarif*, frais, cout, couts, couteu*,"
        " onereu*, promo*, remise*, reduction*, cotisation*, agios, commission*, price*, pricing,"
        " expensive, cheap*, cost, costs, costly, fee, fees, charges, overpriced, discount*"
    ),
    "staff_courtesy": _terms(
        "accueil*, aimabl*, amabilite, poli, polie, polis, polies, politesse, impoli*, malpoli*,"
        " desagreable*, courtois*, sympa*, souriant*, sourire*, chaleureu*, gentil*, arrogant*,"
        " meprisant*, condescendant*, agressi*, desobligeant*, irrespectueu*, respectueu*,"
        " a l ecoute, ecoute, rude*, friendly, unfriendly, polite, impolite, courteous, courtesy,"
        " welcom*, kind, kindness, helpful, unhelpful, attitude, manners, aggressive"
    ),
    "staff_competence": _terms(
        "competen*, incompeten*, conseil, conseils, conseille, conseillee, conseilles, conseillees,"
        " expertise, professionnalisme, connaissance*, explication*, explique*, renseign*,"
        " savoir faire, knowledgeable, knowledge, advice, advise, advised, clueless, explain*,"
        " explanation*, skilled, unskilled, professionalism"
    ),
    "product_quality": _terms(
        "qualite*, defaut*, defect*, casse, cassee, casses, cassees, abim*, raye, rayee, rayes,"
        " rayees, rayure*, solide*, fragile*, robust*, confort*, inconfortable*, finition*,"
        " quality, broken, faulty, damaged, scratch*, flimsy, sturdy, durable, comfort*,"
        " uncomfortable, fell apart, wobbly, stain*"
    ),
    "after_sales": _terms(
        "sav, service apres vente, apres vente, garanti*, reparation*, repare, reparee, repares,"
        " reparees, reparer, reparateur*, retour, retours, retourne*, warrant*, guarantee*,"
        " repair*, return, returns, returned, returning, after sales, after sale, aftersales"
    ),
    "reachability": _terms(
        "joindre, joignable*, injoignable*, standard, standard telephonique, rappel*, repondeur*,"
        " ne repond*, pas de reponse, aucune reponse, sans reponse, decroche*, no answer,"
        " nobody answer*, no one answer*, callback*, call back, called back, call me back,"
        " called me back, calls back, ring back, rang back, unreachable, get through, got through,"
        " voicemail, switchboard"
    ),
    "website_app": _terms(
        "site, sites, site web, site internet, web, internet, app, apps, appli*, application*,"
        " bug*, beug*, connexion*, se connecter, identifiant*, mot de passe, espace client,"
        " en ligne, website*, online, login*, log in, sign in, password*, mobile app"
    ),
    "store": _terms(
        "magasin*, showroom*, boutique*, agence, agences, point de vente, store, stores, shop,"
        " shops, parking, car park, branch, branches"
    ),
    "billing": _terms(
        "factur*, prelevement*, preleve*, rembours*, debit*, paiement*, echeancier*, invoice*,"
        " billing, bill, bills, billed, refund*, charged, overcharg*, payment*"
    ),
    "communication": _terms(
        "information*, info, infos, informe*, suivi, pas de nouvelle*, aucune nouvelle*,"
        " aucunes nouvelles, sans nouvelle*, pas de retour, aucun retour, sans retour, prevenu*,"
        " prevenir, communication*, tenu au courant, au courant, kept informed, keep me informed,"
        " kept me informed, informed, kept updated, keep me updated, update, updates, no news,"
        " follow up, followup, communicat*, notification*, heard back, hear back, heard nothing"
    ),
    "claims": _terms(
        "sinistre*, indemnis*, constat, constats, constat amiable, expert, experts, claim, claims,"
        " loss adjuster, payout*"
    ),
}

#: Phrases that look like a theme term but are not one: "de retour" is being back, not a return.
THEME_SHIELDS: tuple[str, ...] = _terms(
    "de retour, en retour, sur site, on site, tout au long, le long, cher monsieur, chere madame,"
    " cher client, chere cliente, produits frais, lettre recommandee, kind of, in return"
)

#: Word → valence from -3 (worst) to 3 (best); 0.0 entries shield a phrase from its words
#: ("pas mal de" is "quite a lot of", not "not bad").
VALENCE: dict[str, float] = _scored(
    {
        3.0: "parfait*, excellent*, genial*, formidable*, impeccable*, merveill*, magnifique*,"
        " superbe, splendide*, perfect*, amazing, awesome, fantastic, wonderful, brilliant,"
        " outstanding, superb",
        2.5: "au top, nickel, bravo, ravi, ravie, ravis, ravies, adore, adores, adoree, adorer,"
        " rien a redire, great, lovely, delighted, love, loved, loves",
        2.0: "super, top, satisf*, content, contente, contents, contentes, heureu*, aimabl*,"
        " gentil*, chaleureu*, accueillant*, a l ecoute, professionnel*, competent*, efficac*,"
        " reactif, reactive, reactivite, serviable*, confortable*, recommand*, resolu*, plaisir,"
        " apprecie*, rien a dire, happy, pleased, helpful, friendly, professional*, knowledgeable,"
        " efficient*, recommend*, appreciate*, solved, resolv*, best, comfortab*",
        1.5: "rapid*, agreable*, sympa*, souriant*, courtois*, patient, patients, attentif,"
        " respect*, attentive, attentionne*, disponible*, fiable*, beau, belle, beaux, belles,"
        " bien, bon, bonne, bons, bonnes, meilleur*, joli, jolie, jolis, jolies, a l heure,"
        " dans les temps, facile*, fluide, soign*, reviendr*, rassur*, de qualite, aime, aimee,"
        " good, nice, pleasant, glad, polite, courteous, kind, quick*, fast, prompt*, smooth*,"
        " easy, reliable, fixed, on time, responsive, caring, accommodating, effective,"
        " merci beaucoup",
        1.0: "merci, remerci*, poli, polie, polis, polies, pro, clair, claire, clairement, solide*,"
        " conforme*, simple, simples, simplicite, pratique*, solution*, regle, fidele*, vite, ras,"
        " rien a signaler, raisonnable*, reasonabl*, fair, thanks, thank, thx, better, well, fine,"
        " clear, clearly, sorted",
        0.5: "ok, okay, correct, correcte",
        -0.5: "long, longue, longs, longues, longtemps, attente, attendre, patienter, moyen,"
        " moyenne, wait, waiting, waited, average",
        -1.0: "cher, chere, chers, cheres, eleve, elevee, eleves, elevees, raye, rayee, rayes,"
        " rayees, difficile*, dommage, helas, malheureusement, reclamation*, relance*, bof, delay*,"
        " pricey, crowded, steep, scratched, difficult, unfortunately, sadly, forever, on hold",
        -1.5: "lent, lente, lents, lentes, lenteur*, lentement, retard*, problem*, souci, soucis,"
        " bug*, erreur*, defaut*, sale, oubli*, perdu*, plainte*, litige*, agace*, traine*,"
        " amateur*, compliqu*, impossible*, excessi*, peut mieux faire, slow*, late, issue*,"
        " error*, mistake*, wrong, hassle, mal, manque*, lack*, annoy*, complain*, lost, forgot*,"
        " forgotten, expensive, took ages",
        -2.0: "decu, decue, decus, decues, decev*, deception*, mecontent*, insatisf*, mauvais*,"
        " panne*, defect*, casse, cassee, casses, cassees, abime*, desagreable*, impoli*, malpoli*,"
        " desobligeant*, arrogant*, meprisant*, condescendant*, agressi*, injoignable*, galere*,"
        " penible*, enerv*, frustr*, inutile*, incapable*, abus*, bacle*, mediocre*, marre,"
        " ignoree, irrespect*, indisponib*, bad, poor, worse, disappoint*, unhappy, upset, broken,"
        " faulty, damaged, unfriendly, unhelpful, clueless, careless, crash*, fail*, overpriced,"
        " overcharg*, ridiculous, unreachable, unresponsive, ignored, dissatisf*, unsatisf*, waste",
        -2.5: "nul, nulle, nuls, nulles, pire*, hors de prix, a eviter, perte de temps,"
        " insupportable*, colere, furieu*, exorbitant*, affreu*, minable*, degoute*, ras le bol,"
        " incompeten*, rude, rudeness, angry, useless, rubbish, shambles, joke, shocking, rip off,"
        " ripoff, unprofessional, waste of time",
        -3.0: "lamentable*, horrible*, catastroph*, deplorable*, honte*, scandal*, inadmissible*,"
        " inacceptable*, arnaque*, fuyez, desastr*, terrible, awful, dreadful, appalling,"
        " disgraceful, disgusting, worst, unacceptable, nightmare, scam*",
        0.0: "pas mal de, nulle part, de rien, kind of, as well, ne peux que, ne peut que,"
        " ne pouvons que, lettre recommandee, en recommande, bon marche, a part ca, non seulement,"
        " not only, a peu pres, bon de commande, bon d achat, bon de livraison",
    }
)

#: Words that flip the valence of what follows them within the clause.
NEGATORS: frozenset[str] = frozenset(
    _terms(
        "pas, ne, n, jamais, aucun, aucune, aucuns, aucunes, rien, sans, ni, non, peu, guere,"
        " personne ne, not, no, never, nothing, none, nobody, without, cannot, nor, neither,"
        " hardly, far from, loin d etre, dont, didnt, doesnt, isnt, wasnt, arent, werent, cant,"
        " couldnt, wont, wouldnt, havent, hasnt, hadnt, shouldnt"
    )
)

#: Negators that are a complaint by themselves when they flip nothing ("jamais rappelé",
#: "never again"): their valence in that case.
NEGATOR_ALONE: dict[str, float] = _scored(
    {
        -1.5: "jamais, never, nobody, personne ne",
        -1.0: "aucun, aucune, aucuns, aucunes, rien, nothing",
    }
)

#: Things a customer expects to happen: saying they happened is neutral, saying they did not
#: ("pas rappelé", "never arrived") is a complaint of this valence.
EXPECTED: frozenset[str] = frozenset(
    _terms(
        "rappel*, repond*, reponse*, recu, recue, recus, recues, arrive*, livre, livree, livres,"
        " livrees, venu*, joignable*, joindre, fonctionn*, marche, tenu, informe*, prevenu*,"
        " nouvelle, nouvelles, contacte*, traite, traitee, rembourse*, suivi, called, call,"
        " callback*, answer*, reply, replied, response*, respond*, received, receive, arrived,"
        " arrive, came, delivered, deliver, working, work, works, worked, showed, contacted,"
        " informed, updated, update*, refund*, refunded, processed, news, follow*"
    )
)
#: The valence of an expected thing that did not happen.
NEGATED_EXPECTATION = -2.0

#: Word → how much it adds to the strength of the next opinion word (a negative number softens).
BOOSTERS: dict[str, float] = _scored(
    {
        1.0: "extremement, incroyablement, extremely, incredibly",
        0.75: "tres, trop, vraiment, vivement, super, tellement, hyper, vachement, totalement,"
        " completement, absolument, tout a fait, very, really, too, absolutely, totally,"
        " completely, truly, highly, so",
        0.5: "particulierement, si, fortement, chaudement, beaucoup, particularly, far",
        0.25: "assez, quite, pretty",
        -0.5: "un peu, legerement, plutot, a bit, a little, slightly, somewhat, sort of",
    }
)

#: Words after which the clause that follows carries more weight than the one before.
CONTRASTS: frozenset[str] = frozenset(
    _terms(
        "mais, cependant, pourtant, toutefois, neanmoins, par contre, en revanche, but, however,"
        " although, though, whereas"
    )
)

#: "sauf la livraison": what is excepted from praise is what fell short.
EXCEPTIONS: frozenset[str] = frozenset(
    _terms("sauf, excepte, hormis, a part, except, apart from, other than")
)
#: The valence an exception word gives the clause it opens.
EXCEPTION_VALENCE = -1.0

#: Frequent function words, to guess the language; no word is in both lists.
STOPWORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        _terms(
            "le, la, les, l, de, des, du, d, un, une, et, est, je, j, il, elle, nous, vous, ils,"
            " elles, que, qui, qu, pour, pas, avec, dans, sur, ce, cette, ces, c, mais, tres, ai,"
            " m, mon, ma, mes, votre, vos, leur, au, aux, ont, etait, ete, suis, sont, tout, y, n,"
            " ne, par, sans, bien, deja, aussi, chez, moi, lors, en, se, sa, son, ses, nos, notre,"
            " lui, eux, ca, cela, comme, apres, avant, depuis, toujours, encore, jamais, rien,"
            " aucun, aucune, fait, etre, avoir, ou"
        )
    ),
    "en": frozenset(
        _terms(
            "the, and, is, was, were, i, my, it, to, of, with, for, this, that, they, we, you,"
            " your, very, not, but, have, has, had, be, been, are, at, in, from, our, their, did,"
            " do, does, would, will, get, got, an, no, so, after, again, what, when, which, about,"
            " all, any, because, before, can, could, how, just, only, still, than, then, there,"
            " too, us, who, why, he, she, him, her, his, its, them, these, those, into, out, up,"
            " off, never, nothing, without, nobody, should, over"
        )
    ),
}

#: Entries ignored when the text is in that language, because they mean something else there.
FALSE_FRIENDS: dict[str, frozenset[str]] = {
    "fr": frozenset(_terms("store, stores, dont, fine, issue*")),
    "en": frozenset(_terms("content, lent, sale, standard, attend, attends, application*")),
}
