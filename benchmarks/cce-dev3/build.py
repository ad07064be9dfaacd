"""Build cce-dev3.jsonl, a held-out set of criminal exploitation (run: python build.py).

Written after the arc rule and the broader lexicons, before the role-based reading, in words
chosen not to repeat either; its misses were never read. Each scenario family (the part of
the id after ``d3-``) is one way the recruitment arc is told. Format as in ../cce-dev:
"sender: text", with tactic tags after " #" on the recruiter's lines. ``first_alert_index`` is
worked out from the tags by the moderator's rule of DATASPEC: a debt or a threat at once,
otherwise the second indicator once one of them is a task, a work phone, secrecy, a platform
move or an offer.
"""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from cce_arc_builder import CE, J, ArcSet  # noqa: E402

SET = ArcSet("2026-07")
conv = SET.conv


def family(cid):
    return cid.split("-")[1]


# ============================================================ exploitation, English
conv("d3-shift-01", "game_chat", "en-GB", [("a", 17, 26, 6, False), ("b", 13, 13, 800, False)], CE,
     "shifts for the 'business', paid in trainers, parents kept out",
     ["a: you always online, don't you get bored",
      "b: kinda",
      "a: my business always needs young ones for shifts. you'd be paid in cash or trainers, your pick #money_offer",
      "b: what kind of shifts",
      "a: walk a parcel from one spot to another. 20 minutes #courier_task",
      "b: hmm",
      "a: obviously your parents can't find out, they wouldn't get it #isolation_secrecy"], offender="a")
conv("d3-shift-02", "social_dm", "en-US", [("m", 19, 31, 12, False), ("k", 14, 14, 500, False)], CE,
     "'i'll make you rich', ride to a parking lot, bring back an envelope",
     ["m: i could make you rich by summer",
      "k: lol how",
      "m: ride your bike to the lot behind the store, meet my guy, bring me back an envelope #courier_task",
      "k: thats it?",
      "m: that's it. $100 a go #money_offer",
      "k: ok"], offender="m")
conv("d3-gift-01", "messaging", "en-GB", [("j", None, 27, 25, False), ("l", 13, 13, 700, False)], CE,
     "takeaways and a games console, then 'you're in my pocket now'",
     ["j: enjoyed the food?",
      "l: yeah thanks for paying",
      "j: and the console? all that's on the tab mate #debt",
      "l: what tab",
      "j: everything i've given you. you're in my pocket now, so when i call you come #debt",
      "l: i don't have money"], offender="j")
conv("d3-gift-02", "game_chat", "en-US", [("p", 15, 20, 3, False), ("d", 12, 12, 300, False)], CE,
     "battle pass bought, then favours to square it",
     ["p: got you the battle pass, enjoy",
      "d: omg thank u",
      "p: no worries. i'll need a few favours back though #debt",
      "d: like what",
      "p: like you holding onto some stuff at your place for a while #courier_task",
      "d: ok"], offender="p")
conv("d3-stash-01", "messaging", "en-GB", [("r", 18, 22, 40, False), ("t", 14, 14, 900, False)], CE,
     "a locked case in the loft",
     ["r: your house got a loft?",
      "t: yeah",
      "r: i need to leave a locked case up there for a fortnight. nobody touches it #courier_task",
      "t: what for",
      "r: don't worry about it. you get 150 at the end #money_offer",
      "t: ok",
      "r: if your mum finds it you say a mate left it, you don't say my name #isolation_secrecy"], offender="r")
conv("d3-trip-01", "social_dm", "en-GB", [("s", None, 29, 10, False), ("m", 15, 15, 800, False)], CE,
     "'holiday' up north, a flat, no phone calls home",
     ["s: fancy a little holiday up north?",
      "m: with who",
      "s: me and the lads. there's a flat, you'd be helping out for a week, we pay for everything #courier_task,money_offer",
      "m: i've got school",
      "s: school can wait. leave your phone at home, we'll give you one #isolation_secrecy,burner_phone",
      "m: my mum will freak"], offender="s")
conv("d3-trip-02", "messaging", "en-US", [("g", 18, 24, 8, False), ("c", 14, 14, 600, False)], CE,
     "greyhound ticket, stay with 'family friends'",
     ["g: ticket's booked for friday night",
      "c: where am i going again",
      "g: out to the city, you stay with some friends of mine till monday and bring a bag back #courier_task",
      "c: what do i tell my dad",
      "g: say you're at the lake with a buddy's family #isolation_secrecy"], offender="g")
conv("d3-phone-01", "social_dm", "en-GB", [("n", 17, 23, 5, False), ("e", 14, 14, 400, False)], CE,
     "the 'line', keep it on, never answer with your name",
     ["n: you're gonna be on the line from tomorrow",
      "e: what line",
      "n: i'll give you a little nokia. when it buzzes you go where the text says #burner_phone,courier_task",
      "e: ok",
      "n: never say your real name on it and never take it home #burner_phone"], offender="n")
conv("d3-bro-01", "game_chat", "en-GB", [("k", 16, 19, 14, False), ("a", 12, 12, 700, False)], CE,
     "big brother figure, 'we're a family', a job to prove it",
     ["k: you need someone looking out for you",
      "a: i'm ok",
      "k: nah you need a big brother. i'll be that. the whole crew will #belonging",
      "a: ok cool",
      "k: crew looks after crew. first thing, you help us shift some stuff friday, show us you're solid #courier_task,belonging"], offender="k")
conv("d3-bro-02", "social_dm", "en-US", [("x", None, 22, 30, False), ("j", 13, 13, 500, False)], CE,
     "respect and status, then a package",
     ["x: kids at school gonna look at you different when you roll with us",
      "j: fr?",
      "x: fr. you'll have respect, money, new fits #belonging,money_offer",
      "j: what i gotta do",
      "x: drop a package at an address i send you. easy #courier_task"], offender="x")
conv("d3-debt-01", "messaging", "en-GB", [("w", None, 33, 80, False), ("z", 15, 15, 900, False)], CE,
     "stuff 'seized', child now owes, daily interest",
     ["w: the stuff you had got seized",
      "z: i ran, i'm sorry",
      "w: sorry doesn't pay. that's two grand on you and it grows by the week #debt",
      "z: i can't get that",
      "w: you'll clear it with work. you're ours till it's gone #debt"], offender="w")
conv("d3-debt-02", "social_dm", "en-US", [("q", 20, 20, 25, False), ("h", 14, 14, 600, False)], CE,
     "staged robbery, then the bill",
     ["q: heard you got jumped on the way",
      "h: yeah they took the bag",
      "q: unlucky. that bag was worth a lot and you were responsible for it #debt",
      "h: i didnt know they'd be there",
      "q: doesnt matter. you work for free now till its covered #debt"], offender="q")
conv("d3-threat-01", "messaging", "en-GB", [("o", None, 30, 60, False), ("y", 14, 14, 900, False)], CE,
     "threat after missing a call",
     ["o: phone was off for three hours. why",
      "y: my mum took it",
      "o: not my problem. next time it's off i send someone to your house #threat",
      "y: please don't",
      "o: and your brother's school is on my way #threat"], offender="o")
conv("d3-threat-02", "social_dm", "en-GB", [("i", 18, 25, 20, False), ("u", 15, 15, 800, False)], CE,
     "you can't walk off, snitches, your family",
     ["u: i'm done with all this",
      "i: you're done when i say you're done",
      "i: you talk to anyone and your family pays for it #threat,isolation_secrecy",
      "u: i won't say anything"], offender="i")
conv("d3-app-01", "game_chat", "en-US", [("v", 16, 23, 2, False), ("f", 13, 13, 400, False)], CE,
     "from game chat to a secret app for a paid 'gig'",
     ["v: yo you want a paid gig",
      "f: what gig",
      "v: not here. get the app with the timer messages, add me, i'll explain #platform_move",
      "f: ok",
      "v: it's picking up and dropping off. nobody suspects kids #courier_task"], offender="v")
conv("d3-grp-01", "game_chat", "en-GB",
     [("z", 17, 21, 4, False), ("a", 13, 13, 800, True), ("b", 14, 14, 900, True), ("c", 12, 12, 300, True)], CE,
     "squad chat: older player picks the youngest for 'work'",
     ["a: who's playing tonight",
      "b: me",
      "c: me after homework",
      "z: @c how old are you",
      "c: 12",
      "z: you're exactly who i need. i've got work that pays, come dm #money_offer,platform_move",
      "b: why just him",
      "z: @c you'll carry a bag for me across town on saturday, easiest money you'll make #courier_task"], offender="z")
# ============================================================ Spanish
conv("d3-es-01", "game_chat", "es-MX", [("t", 17, 25, 3, False), ("m", 13, 13, 600, False)], CE,
     "reclutamiento: vigilar la calle y avisar, pago semanal",
     ["t: qué onda, juegas chido",
      "m: gracias",
      "t: ¿quieres chamba? nomás estar en la esquina y avisar si ves patrullas #courier_task",
      "m: ¿y cuánto?",
      "t: te pagamos cada semana, más que cualquier trabajo #money_offer",
      "m: va",
      "t: y esto no lo sabe nadie de tu casa #isolation_secrecy"], offender="t")
conv("d3-es-02", "social_dm", "es-ES", [("n", None, 26, 9, False), ("p", 14, 14, 700, False)], CE,
     "guardar una maleta, no abrir, pago",
     ["n: oye, ¿en tu casa hay un trastero?",
      "p: sí, ¿por?",
      "n: necesito que me guardes una maleta un par de semanas #courier_task",
      "p: ¿qué lleva?",
      "n: eso no te importa. te llevas cien euros #money_offer"], offender="n")
conv("d3-es-03", "messaging", "es-MX", [("r", None, 31, 50, False), ("j", 15, 15, 800, False)], CE,
     "deuda por la mercancía, amenaza a la familia",
     ["r: se perdió la mercancía que traías",
      "j: me asaltaron",
      "r: eso ya es tu deuda, la vas a pagar con trabajo #debt",
      "j: no puedo",
      "r: tu jefa sale a trabajar a las seis, ¿verdad? piénsalo bien #threat"], offender="r")
conv("d3-es-04", "game_chat", "es-AR", [("g", 18, 24, 5, False), ("l", 13, 13, 400, False)], CE,
     "viaje a otra provincia, teléfono aparte",
     ["g: ¿te copás con un viaje?",
      "l: ¿adónde?",
      "g: a otra provincia, tres días, volvés con plata #courier_task,money_offer",
      "l: ¿y mis viejos?",
      "g: les decís que te vas con un amigo. te doy un celu aparte para que hables solo conmigo #isolation_secrecy,burner_phone"], offender="g")
conv("d3-es-05", "game_chat", "es-MX",
     [("c", 19, 27, 3, False), ("a", 14, 14, 700, True), ("b", 12, 12, 500, True), ("d", 13, 13, 600, True)], CE,
     "clan: un adulto ofrece 'jale' al más chico",
     ["a: ¿quién se conecta?",
      "d: yo",
      "c: @b ¿cuántos años tienes, morrito?",
      "b: 12",
      "c: tengo un jale bien pagado para ti, te escribo por privado #money_offer,platform_move",
      "c: @b ya eres de mi gente, nadie te va a hacer nada #belonging"], offender="c")
conv("d3-es-06", "social_dm", "es-ES", [("h", 18, 23, 14, False), ("s", 14, 14, 500, False)], CE,
     "regalos y luego 'favores' de reparto",
     ["h: ¿te gustaron las deportivas?",
      "s: mucho, gracias",
      "h: me alegro. ahora me tienes que hacer unos favores, ¿vale? #debt",
      "s: ¿qué favores?",
      "h: repartir unos paquetitos por el barrio después de clase #courier_task"], offender="h")
# ============================================================ Portuguese
conv("d3-pt-01", "game_chat", "pt-BR", [("d", 17, 23, 4, False), ("k", 13, 13, 500, False)], CE,
     "olheiro: ficar de olho na rua, ganhar por semana",
     ["d: tu manda bem no jogo",
      "k: valeu",
      "d: quer ganhar uma grana toda semana? #money_offer",
      "k: fazendo oq",
      "d: só ficar na esquina de olho e avisar quando a polícia aparecer #courier_task",
      "k: hmm",
      "d: e em casa tu não fala nada #isolation_secrecy"], offender="d")
conv("d3-pt-02", "messaging", "pt-BR", [("f", None, 30, 60, False), ("l", 15, 15, 800, False)], CE,
     "prejuízo e ameaça",
     ["f: a mercadoria sumiu contigo",
      "l: me pegaram na rua",
      "f: o prejuízo é teu agora, vai trabalhar pra cobrir #debt",
      "l: não consigo",
      "f: a gente sabe o horário que tua irmã sai da escola #threat"], offender="f")
conv("d3-pt-03", "social_dm", "pt-BR", [("b", 18, 25, 10, False), ("r", 14, 14, 600, False)], CE,
     "celular de trabalho e viagem",
     ["b: vou te mandar um celular só pra gente se falar #burner_phone",
      "r: pq",
      "b: porque tem um trampo numa cidade perto, tu vai e volta no mesmo dia #courier_task",
      "r: e meus pais",
      "b: eles não precisam saber de nada #isolation_secrecy"], offender="b")
conv("d3-pt-04", "game_chat", "pt-PT", [("m", 17, 22, 6, False), ("t", 13, 13, 400, False)], CE,
     "PT: guardar um saco, dinheiro, segredo",
     ["m: tens um sítio em casa para guardar um saco?",
      "t: porquê",
      "m: só uns dias. dou-te cinquenta euros #courier_task,money_offer",
      "t: o que tem",
      "m: não perguntes e não digas aos teus pais #isolation_secrecy"], offender="m")
conv("d3-pt-05", "game_chat", "pt-BR",
     [("z", 19, 26, 5, False), ("a", 14, 14, 800, True), ("b", 12, 12, 500, True)], CE,
     "grupo: pertencer ao bonde, tarefa",
     ["a: bora uma partida",
      "z: @b tu é novinho mas é esperto",
      "b: kk valeu",
      "z: quer entrar pro nosso bonde? a gente cuida dos nossos #belonging",
      "b: como assim",
      "z: primeiro tu leva uma encomenda pra mim no outro bairro, depois tu é dos nossos #courier_task"], offender="z")
# ============================================================ other languages
conv("d3-fr-01", "messaging", "fr-FR", [("y", None, 27, 15, False), ("n", 14, 14, 700, False)], CE,
     "FR: ravitailler un appartement dans une autre ville",
     ["y: t'as des vacances bientôt ?",
      "n: oui la semaine prochaine",
      "y: je t'envoie dans un appart dans une autre ville, tu restes cinq jours, t'es payé à la fin #courier_task,money_offer",
      "n: et mes parents ?",
      "y: tu leur dis que tu pars chez ton cousin #isolation_secrecy"], offender="y")
conv("d3-de-01", "game_chat", "de-DE", [("l", 17, 23, 4, False), ("f", 13, 13, 500, False)], CE,
     "DE: Päckchen verteilen, gutes Geld, Eltern",
     ["l: willst du dir was dazuverdienen? #money_offer",
      "f: womit",
      "l: du verteilst nach der schule ein paar päckchen für mich #courier_task",
      "f: ok",
      "l: deine eltern erfahren davon nichts #isolation_secrecy"], offender="l")
conv("d3-it-01", "messaging", "it-IT", [("c", None, 29, 20, False), ("g", 15, 15, 800, False)], CE,
     "IT: debito e minaccia",
     ["c: la roba che avevi è sparita, adesso sei in debito con noi #debt",
      "g: non è colpa mia",
      "c: lavori per noi finché non è saldato. sappiamo dove abita tua nonna #debt,threat"], offender="c")
conv("d3-nl-01", "game_chat", "nl-NL", [("b", 17, 22, 5, False), ("j", 13, 13, 500, False)], CE,
     "NL: tas bewaren, geld, geheim",
     ["b: kan jij een tas een weekje bij je thuis bewaren? #courier_task",
      "j: waarom",
      "b: je krijgt er vijftig euro voor #money_offer",
      "j: oke",
      "b: en je ouders hoeven er niks van te weten #isolation_secrecy"], offender="b")

# ============================================================ hard negatives
conv("d3-ok-01", "messaging", "en-GB", [("h", 46, 46, 2000, True), ("k", 14, 14, 700, True)], J,
     "farm shop: weekend job, parent agreed, paid by bank transfer",
     ["h: hi, your dad mentioned you'd like weekend work at the farm shop",
      "k: yes!",
      "h: saturdays 9 till 1, stacking shelves and carrying boxes to the car park for customers",
      "k: sounds good",
      "h: we'll pay into your account monthly. can your dad pop in to sign the forms?",
      "k: he'll come saturday"])
conv("d3-ok-02", "messaging", "en-US", [("b", 19, 19, 2500, True), ("s", 14, 14, 900, True)], J,
     "big brother asks for help moving, mom coordinating",
     ["b: can you help me move this weekend",
      "s: do i get paid",
      "b: i'll buy you pizza and give you 20 bucks lol",
      "s: deal",
      "b: mom's driving the van, we'll carry boxes to my new apartment"])
conv("d3-ok-03", "social_dm", "en-GB", [("c", 43, 43, 500, False), ("p", 13, 13, 600, False)], J,
     "academy scout, overnight residential, parents informed",
     ["c: hello, i'm from the county academy. your coach passed on your details",
      "p: hi",
      "c: we run a residential in another city over half term, three nights with our staff",
      "p: wow",
      "c: please ask your parents to ring the academy office, i've emailed them too"])
conv("d3-ok-04", "game_chat", "en-GB",
     [("a", 15, 15, 900, True), ("b", 14, 14, 700, True), ("c", 13, 13, 200, False)], J,
     "clan recruitment with try-outs",
     ["a: we're recruiting, tryouts sunday",
      "c: can i try",
      "a: yeah sure, if you make it you're family, we look after each other",
      "b: we carry new members in ranked lol",
      "c: nice"])
conv("d3-ok-05", "messaging", "en-GB", [("a", 14, 14, 800, True), ("b", 14, 14, 900, True)], J,
     "friends quoting drill, joking about being 'the plug'",
     ["a: that new drill track is hard",
      "b: 'pull up on the block' lmao we live in a cul de sac",
      "a: you're the plug for chewing gum at school",
      "b: i run this ting 😂",
      "a: you owe me 50p btw"])
conv("d3-ok-06", "messaging", "en-US", [("a", 15, 15, 900, True), ("b", 15, 15, 800, True)], J,
     "budgeting with a part-time job",
     ["a: made 60 at the car wash this weekend",
      "b: nice, easy money",
      "a: not easy lol. i'm saving for a phone, putting half away every week",
      "b: smart"])
conv("d3-ok-07", "messaging", "es-MX", [("p", 44, 44, 2000, True), ("h", 14, 14, 800, True)], J,
     "ES: el tío ofrece trabajo en su tienda, con permiso",
     ["p: sobrino, ¿quieres ayudarme en la tienda los sábados?",
      "h: sí tío",
      "p: te pago por día. ya hablé con tu mamá y está de acuerdo",
      "h: gracias"])
conv("d3-ok-08", "game_chat", "pt-BR",
     [("a", 14, 14, 900, True), ("b", 13, 13, 800, True)], J,
     "PT: amigos brincando de 'patrão'",
     ["a: eu sou o patrão desse servidor kkk",
      "b: kkkk tu deve 10 reais pra mim",
      "a: pago amanhã mano",
      "b: fechou"])
conv("d3-ok-09", "social_dm", "es-ES", [("e", 40, 40, 400, False), ("j", 14, 14, 600, False)], J,
     "ES: entrenador, torneo fuera con autorización",
     ["e: hola, soy el entrenador del club de futsal",
      "j: hola",
      "e: el torneo es en otra ciudad, dormimos una noche en un albergue con los monitores",
      "j: genial",
      "e: tus padres tienen que firmar la autorización antes del viernes"])
conv("d3-ok-10", "messaging", "pt-BR", [("m", 40, 40, 3000, True), ("f", 13, 13, 800, True)], J,
     "PT: mãe pede para levar encomenda para a avó",
     ["m: filho, leva essa sacola pra tua vó quando sair da escola",
      "f: tá",
      "m: não abre que é surpresa de aniversário",
      "f: ok mãe"])
conv("d3-ok-11", "messaging", "en-GB", [("d", 42, 42, 3000, True), ("s", 15, 15, 900, True)], J,
     "dad: phone rules",
     ["d: keep your phone on you and charged when you're out",
      "s: ok",
      "d: and text me when you get to your mate's",
      "s: will do"])
conv("d3-ok-12", "social_dm", "en-US", [("t", 16, 16, 700, False), ("u", 15, 15, 600, False)], J,
     "teens joking about a 'job' in a game",
     ["t: i got a job for you in minecraft, deliver the diamonds to my base",
      "u: lol what do i get",
      "t: 10 emeralds per trip",
      "u: deal haha"])


def main():
    SET.write(HERE / "cce-dev3.jsonl")


if __name__ == "__main__":
    main()
