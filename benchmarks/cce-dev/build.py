"""Build cce-dev.jsonl from the compact scenarios below (run: python build.py).

Each scenario: id, platform, locale, participants (id, declared_age, true_age,
account_age_days, connected), label/category, offender, first_alert_index, notes, and
messages as "sender: text" with tactic tags after " #" on the offender's lines.
"""

import json
from pathlib import Path

HERE = Path(__file__).parent

S = []


def conv(cid, platform, locale, parts, category, notes, lines, offender=None, alert=None):
    label = {"criminal_exploitation": "criminal_exploitation"}.get(category, "benign")
    messages, tactics = [], []
    ts = 0
    for i, line in enumerate(lines):
        sender, _, rest = line.partition(": ")
        text, _, tags = rest.partition(" #")
        for tag in filter(None, tags.split(",")):
            tactics.append({"i": i, "tactic": tag.strip()})
        ts += 47 + (i * 13) % 90
        h, m, s = 17 + ts // 3600, (ts % 3600) // 60, ts % 60
        messages.append({"ts": f"2026-05-{10 + len(S) % 18:02d}T{h:02d}:{m:02d}:{s:02d}Z",
                         "from": sender, "text": text})
    S.append({
        "id": cid, "platform": platform, "locale": locale,
        "participants": [
            {"id": p[0], "declared_age": p[1], "true_age": p[2], "account_age_days": p[3],
             "connected": p[4]} for p in parts
        ],
        "messages": messages, "label": label, "category": category,
        "offender": offender if label != "benign" else None,
        "tactics": tactics if label != "benign" else [],
        "first_alert_index": alert if label != "benign" else None,
        "variant_of": None, "notes": notes,
    })


CE = "criminal_exploitation"
# ---------------------------------------------------------------- criminal exploitation, en
conv("ce-001", "game_chat", "en-GB", [("r", 19, 24, 6, False), ("k", 13, 13, 700, False)], CE,
     "adult on a new account offers cash for carrying a bag to another town, then a debt",
     ["r: gg that last round was mad, you carried the whole team",
      "k: lol thanks",
      "r: you ever want to earn a bit of paper? proper money not pocket money #money_offer",
      "k: doing what",
      "r: just taking a bag from here to my cousin in another town, train's on me #courier_task",
      "k: idk",
      "r: its nothing, an afternoon. don't mention it to your mum, she'll only fuss #isolation_secrecy",
      "k: ok maybe saturday",
      "r: the bag went missing, that's on you now, you owe for what was in it #debt",
      "k: i didn't do anything"], offender="r", alert=4)
conv("ce-002", "social_dm", "en-GB", [("m", None, 28, 12, False), ("j", 14, 14, 900, False)], CE,
     "stranger offers trainers, then a phone for 'work', then belonging and secrecy",
     ["m: nice creps in your pic, want a better pair? i can get you some #money_offer",
      "j: for free??",
      "m: for a small favour. you'd keep a package at yours for a week or so #courier_task",
      "j: whats in it",
      "m: don't ask questions. i'll give you a separate phone for when i need you #burner_phone",
      "j: ok",
      "m: you're with us now bro, the lads will look out for you #belonging",
      "j: cool",
      "m: and never tell teachers or feds anything about us #isolation_secrecy"],
     offender="m", alert=2)
conv("ce-003", "game_chat", "en-US", [("x", 17, 22, 3, False), ("t", 12, 12, 400, False)], CE,
     "adult posing as 17 offers game currency then cash for deliveries after school",
     ["x: yo you play ranked every night huh",
      "t: yeah",
      "x: want me to load your account with currency? no catch",
      "t: fr? thanks",
      "x: np. i got a side hustle too if you want real cash, way easier than chores #money_offer",
      "t: what is it",
      "x: you drop off a few packages for me after school, nobody looks twice at a kid #courier_task",
      "t: my mom picks me up tho",
      "x: say you're at a friend's. we'll sort you a cheap phone only for this #isolation_secrecy,burner_phone",
      "t: ok"], offender="x", alert=6)
conv("ce-004", "messaging", "en-GB", [("d", None, 31, 40, False), ("s", 15, 15, 1100, False)], CE,
     "recruiter keeps a 15yo away overnight, then claims a debt and threatens the family",
     ["d: you did good last week",
      "s: when do i get paid",
      "d: after this one. you're going up to the other city for two nights, we've got a flat #courier_task",
      "s: i've got school",
      "d: tell your nan you're at a sleepover #isolation_secrecy",
      "s: ok",
      "d: the stuff you had got taken, so you're in the red with us now #debt",
      "s: that wasn't my fault",
      "d: we know where your nan's flat is. work it off and it's fine #threat,debt",
      "s: please"], offender="d", alert=2)
conv("ce-005", "social_dm", "en-GB", [("g", 18, 26, 2, False), ("l", 13, 13, 300, False)], CE,
     "fast offer with status and an encrypted app",
     ["g: people round your way are making serious money, you could be one of them #money_offer",
      "l: how",
      "g: you'd work for us, carry stuff between places. you'd get respect, nobody would mess with you #courier_task,belonging",
      "l: i dunno",
      "g: download the secure app i send you, we don't talk on normal apps #platform_move",
      "l: ok downloading"], offender="g", alert=2)
conv("ce-006", "game_chat", "en-GB",
     [("v", 16, 20, 15, False), ("n", 12, 12, 500, False), ("p", 13, 13, 600, True), ("q", 12, 12, 450, True)], CE,
     "group game chat: an older account singles out the youngest player and offers paid errands",
     ["p: anyone on tonight",
      "q: me after tea",
      "n: me too",
      "v: @n you're decent, you should roll with us not these kids #belonging",
      "n: haha ok",
      "v: seriously, you want to make money? i pay per trip, easy #money_offer",
      "n: trip where",
      "v: dm me. you'd take stuff to a town up the line and come back next day #courier_task",
      "p: what are you on about",
      "v: don't tell your parents or it's off #isolation_secrecy"], offender="v", alert=7)
conv("ce-007", "messaging", "en-US", [("h", None, 33, 200, False), ("c", 14, 14, 800, False)], CE,
     "a gift that must be paid back, then a work phone and threats",
     ["h: hope you like the jacket",
      "c: its sick thanks",
      "h: it wasn't a present tho, you'll pay me back by helping out #debt",
      "c: how much was it",
      "h: doesn't matter. keep this other phone on you at all times and answer when it rings #burner_phone",
      "c: ok",
      "h: ignore me and your little sister finds out what we're about #threat"], offender="h", alert=2)
conv("ce-008", "social_dm", "en-GB", [("b", 19, 29, 9, False), ("e", None, 14, 100, False)], CE,
     "slow start, 'you're family', then holding something and secrecy from police",
     ["b: you good? saw you were down on your story",
      "e: just family stuff",
      "b: i get it. we're like family, us lot, you can lean on us #belonging",
      "e: thanks",
      "b: could you do me a favour and stash a box at yours, only for a few days #courier_task",
      "e: my mum might find it",
      "b: hide it well. and if police ever ask, you don't know me #isolation_secrecy",
      "e: ok"], offender="b", alert=4)
# ---------------------------------------------------------------- criminal exploitation, es
conv("ce-101", "game_chat", "es-MX", [("z", 17, 23, 4, False), ("a", 13, 13, 600, False)], CE,
     "cartel-style recruitment in a game chat: easy money, a trip, belonging",
     ["z: qué buena partida, eres bien bueno",
      "a: jaja gracias",
      "z: oye, ¿quieres ganar lana fácil? más de lo que te dan en tu casa #money_offer",
      "a: ¿cómo?",
      "z: nomás llevas unos paquetes a otro pueblo, el camión lo pago yo #courier_task",
      "a: no sé",
      "z: ya eres de los nuestros, aquí nadie te va a molestar #belonging",
      "a: bueno",
      "z: y a tu jefa ni una palabra #isolation_secrecy"], offender="z", alert=4)
conv("ce-102", "social_dm", "es-ES", [("f", None, 27, 20, False), ("b", 14, 14, 900, False)], CE,
     "zapatillas de regalo que luego son deuda, móvil para el trabajo",
     ["f: te vi con las zapas rotas, te compro unas nuevas #money_offer",
      "b: ¿en serio? gracias",
      "f: de nada. ahora guárdame esta bolsa en tu casa unos días #courier_task",
      "b: ¿qué hay dentro?",
      "f: no preguntes. y las zapas no eran gratis, me debes #debt",
      "b: pero dijiste que era un regalo",
      "f: te doy otro móvil, solo contestas en ese #burner_phone"], offender="f", alert=2)
conv("ce-103", "messaging", "es-MX", [("k", None, 30, 60, False), ("m", 15, 15, 700, False)], CE,
     "amenazas a la familia tras una 'pérdida'",
     ["k: la mochila no llegó, te la quitaron a ti",
      "m: no fue mi culpa, me la arrancaron",
      "k: da igual, ahora nos debes todo #debt",
      "m: no tengo dinero",
      "k: vas a trabajar para nosotros hasta que pagues #debt",
      "m: no quiero",
      "k: sabemos dónde vive tu mamá #threat"], offender="k", alert=2)
conv("ce-104", "game_chat", "es-ES", [("t", 16, 21, 10, False), ("p", 12, 12, 300, False)], CE,
     "propuesta de viajes a otra ciudad y dormir fuera",
     ["t: ¿cuántos años tienes?",
      "p: 12",
      "t: perfecto, a los chavales nadie los para. te pago por cada viaje #money_offer,courier_task",
      "p: ¿viajes a dónde?",
      "t: a otra ciudad, duermes fuera el finde y vuelves con pasta #courier_task",
      "p: mis padres no me dejan",
      "t: diles que estás en casa de un amigo #isolation_secrecy"], offender="t", alert=2)
conv("ce-105", "social_dm", "es-ES", [("y", 18, 25, 5, False), ("r", 14, 14, 500, False)], CE,
     "pertenencia y estatus, luego app cifrada",
     ["y: los de tu barrio te respetan, eso se nota",
      "r: jaja no sé",
      "y: con nosotros vas a ganarte respeto de verdad, somos familia #belonging",
      "r: ¿quiénes sois?",
      "y: bájate esta app cifrada y te explico, aquí no #platform_move",
      "r: vale",
      "y: hay un trabajito que paga bien, fácil #money_offer"], offender="y", alert=4)
# ---------------------------------------------------------------- criminal exploitation, pt
conv("ce-201", "game_chat", "pt-BR", [("w", 17, 24, 7, False), ("g", 13, 13, 500, False)], CE,
     "aliciamento de facção num jogo: grana fácil, levar mochila, família",
     ["w: mlk tu joga muito",
      "g: vlw",
      "w: quer fazer uma grana fácil? mais que mesada #money_offer",
      "g: fazendo oq",
      "w: só levar uma mochila pro outro bairro, ninguém desconfia de criança #courier_task",
      "g: sei lá",
      "w: agora tu é da família, a tropa te protege #belonging",
      "g: tá",
      "w: e não fala nada pra tua mãe #isolation_secrecy"], offender="w", alert=4)
conv("ce-202", "messaging", "pt-BR", [("c", None, 29, 30, False), ("l", 14, 14, 800, False)], CE,
     "dívida criada de propósito e ameaça",
     ["c: levaram a parada que tava contigo",
      "l: não fui eu, juro",
      "c: não interessa, agora tu tá devendo #debt",
      "l: não tenho como pagar",
      "c: vai trabalhar pra gente até pagar #debt",
      "l: por favor",
      "c: a gente sabe onde tua mãe mora #threat"], offender="c", alert=2)
conv("ce-203", "social_dm", "pt-BR", [("n", 18, 22, 3, False), ("b", 12, 12, 400, False)], CE,
     "celular novo 'pro trampo' e viagem para outra cidade",
     ["n: te dou um celular novo, só pro trampo #burner_phone",
      "b: que trampo",
      "n: fazer umas entregas pra gente, paga bem #courier_task,money_offer",
      "b: onde",
      "n: em outra cidade, tu dorme fora uns dias #courier_task",
      "b: minha mãe não deixa",
      "n: fala que vai dormir na casa de um amigo #isolation_secrecy"], offender="n", alert=2)
conv("ce-204", "game_chat", "pt-PT", [("r", None, 26, 14, False), ("t", 14, 14, 700, False)], CE,
     "guardar uma mochila e respeito",
     ["r: tens cara de quem sabe estar calado",
      "t: porquê",
      "r: preciso que guardes uma mochila em tua casa uns dias #courier_task",
      "t: o que tem lá",
      "r: não perguntes. pago-te bem e ganhas respeito connosco #money_offer,belonging",
      "t: ok"], offender="r", alert=4)
# ---------------------------------------------------------------- other languages
conv("ce-301", "game_chat", "fr-FR", [("o", 17, 23, 5, False), ("e", 13, 13, 600, False)], CE,
     "recrutement : argent facile, livrer un colis, rien dire",
     ["o: t'es chaud au jeu toi",
      "e: merci",
      "o: tu veux te faire de l'argent facile ? #money_offer",
      "e: comment",
      "o: tu livres un colis dans une autre ville, je paie le train #courier_task",
      "e: euh",
      "o: tu dis rien à tes parents #isolation_secrecy"], offender="o", alert=4)
conv("ce-302", "messaging", "de-DE", [("k", None, 28, 8, False), ("m", 14, 14, 700, False)], CE,
     "Anwerbung: Geld, Tasche aufbewahren, Schulden",
     ["k: willst du schnelles geld verdienen? #money_offer",
      "m: wie",
      "k: du bewahrst eine tasche ein paar tage bei dir auf #courier_task",
      "m: ok",
      "k: die tasche ist weg, jetzt schuldest du uns was #debt",
      "m: das war ich nicht"], offender="k", alert=2)
conv("ce-303", "social_dm", "it-IT", [("s", 18, 25, 10, False), ("a", 14, 14, 500, False)], CE,
     "reclutamento: soldi facili, portare uno zaino, famiglia",
     ["s: vuoi fare soldi facili? #money_offer",
      "a: tipo?",
      "s: porti uno zaino in un'altra città e torni #courier_task",
      "a: boh",
      "s: ormai sei uno di noi, ti proteggiamo #belonging"], offender="s", alert=2)
conv("ce-304", "game_chat", "nl-NL", [("j", 17, 22, 6, False), ("d", 13, 13, 400, False)], CE,
     "ronselen: snel geld, pakketje wegbrengen, niks zeggen",
     ["j: wil je snel geld verdienen? #money_offer",
      "d: hoe dan",
      "j: een pakketje wegbrengen naar een andere stad #courier_task",
      "d: weet niet",
      "j: zeg niks tegen je ouders #isolation_secrecy"], offender="j", alert=2)

# ---------------------------------------------------------------- hard negatives
J = "benign_job"
conv("nj-001", "messaging", "en-GB", [("w", 45, 45, 2000, True), ("k", 13, 13, 600, True)], J,
     "newsagent arranges a paper round with the parent's consent",
     ["w: hi, the round is yours from monday if you still want it",
      "k: yes please!",
      "w: great. get your mum or dad to sign the consent form and drop it in the shop",
      "k: my dad signed it already",
      "w: perfect. you'll get paid every friday, it goes to your parents' account",
      "k: cool thanks"])
conv("nj-002", "messaging", "en-GB", [("b", 18, 18, 1500, True), ("s", 13, 13, 900, True)], J,
     "older brother asks for help carrying boxes on moving day, mum there",
     ["b: can you help me carry my boxes to the new flat saturday",
      "s: do i have to",
      "b: mum's driving, it'll take an hour. i'll buy you lunch",
      "s: fine",
      "b: bring the big bag from the hallway too",
      "s: ok"])
conv("nj-003", "social_dm", "en-GB", [("c", 41, 41, 120, False), ("f", 14, 14, 700, False)], J,
     "football scout invites a player to a trial in another town via the parents",
     ["c: hi, i'm with the academy, we watched your match on sunday",
      "f: oh wow hi",
      "c: we'd like to invite you to a trial. it's in another town, so a parent will need to come",
      "f: ok",
      "c: could you pass my email to your mum or dad? the club covers travel",
      "f: my mum says she'll email you tonight"])
conv("nj-004", "game_chat", "en-US",
     [("a", 14, 14, 800, True), ("b", 13, 13, 900, True), ("c", 14, 14, 600, False), ("d", 15, 15, 300, True)], J,
     "game clan recruiting a new player",
     ["a: we need one more for the clan war",
      "c: i can play",
      "a: welcome in, you're one of us now",
      "b: lets gooo",
      "d: we've got your back, just call out enemies",
      "c: ok",
      "a: practice is thursday after school"])
conv("nj-005", "messaging", "en-GB", [("x", 14, 14, 900, True), ("y", 14, 14, 800, True)], J,
     "two 14-year-olds joking about being 'the plug' for snacks and quoting a song",
     ["x: i'm the plug for crisps at break fr",
      "y: lmao you owe me a packet",
      "x: that new track is so hard, the bit about the block",
      "y: you don't even live on a block 💀",
      "x: let me have my moment",
      "y: ok gangster"])
conv("nj-006", "school_app", "en-GB", [("p", 13, 13, 700, True), ("q", 12, 12, 600, True)], J,
     "kids talking about pocket money and saving",
     ["p: how much do you get a week",
      "q: a fiver if i do the dishes",
      "p: i'm saving for a new phone",
      "q: same, i want trainers",
      "p: my nan gave me birthday money so nearly there",
      "q: lucky"])
conv("nj-007", "messaging", "en-US", [("m", 38, 38, 3000, True), ("k", 12, 12, 400, True)], J,
     "neighbour pays a child to walk the dog, agreed with the mother",
     ["m: hi! your mom said you'd like to walk biscuit after school",
      "k: yes!!",
      "m: great, i'll pay you every week. your mom has my number if anything comes up",
      "k: ok what time",
      "m: 4pm mon and wed, just around the park"])
conv("nj-101", "messaging", "es-ES", [("e", 50, 50, 2500, True), ("c", 14, 14, 600, True)], J,
     "trabajo de reparto de folletos con permiso de los padres",
     ["e: hola, el reparto de folletos es el sábado por la mañana",
      "c: vale",
      "e: necesito la autorización firmada por tu madre o tu padre",
      "c: mi madre ya la firmó",
      "e: perfecto, te pago al terminar"])
conv("nj-102", "game_chat", "es-MX",
     [("a", 14, 14, 800, True), ("b", 13, 13, 700, True), ("c", 15, 15, 900, True)], J,
     "clan de videojuego reclutando",
     ["a: ¿quieres entrar al clan?",
      "b: sí!",
      "a: bienvenido, ya eres de los nuestros jaja",
      "c: te cubrimos en las partidas",
      "b: gracias"])
conv("nj-103", "messaging", "es-ES", [("h", 19, 19, 2000, True), ("m", 13, 13, 700, True)], J,
     "hermano mayor pide recoger un paquete de correos",
     ["h: ¿me recoges un paquete en correos al salir del insti?",
      "m: ¿qué me das?",
      "h: te invito a un helado",
      "m: vale, ¿mamá lo sabe?",
      "h: sí, ella me dijo que te lo pidiera"])
conv("nj-201", "messaging", "pt-BR", [("t", 42, 42, 1800, False), ("g", 14, 14, 700, False)], J,
     "olheiro de futebol convida para teste em outra cidade, fala com os pais",
     ["t: oi, sou do clube, vi teu jogo no domingo",
      "g: sério?",
      "t: queremos te chamar pra um teste, é em outra cidade, seu pai ou sua mãe vai junto",
      "g: ok",
      "t: pede pra sua mãe me ligar, o clube paga a passagem",
      "g: vou falar com ela hoje"])
conv("nj-202", "messaging", "pt-BR", [("a", 13, 13, 600, True), ("b", 13, 13, 700, True)], J,
     "amigos brincando e falando de mesada",
     ["a: tu me deve um salgado kkk",
      "b: amanhã eu pago",
      "a: tô juntando pra um tênis",
      "b: eu ganho mesada se lavar a louça",
      "a: kkkk"])
conv("nj-301", "messaging", "fr-FR", [("p", 44, 44, 2000, True), ("l", 14, 14, 600, True)], J,
     "petit boulot : distribuer des prospectus avec l'accord des parents",
     ["p: bonjour, pour la distribution samedi il faut l'autorisation parentale",
      "l: ma mère a signé",
      "p: parfait, je te paie à la fin"])
conv("nj-302", "messaging", "de-DE", [("s", 17, 17, 1500, True), ("b", 12, 12, 600, True)], J,
     "große Schwester bittet um Hilfe beim Tragen",
     ["s: hilfst du mir samstag die kisten in die neue wohnung zu tragen? mama fährt",
      "b: na gut",
      "s: danke, ich kauf dir ein eis"])
conv("nj-303", "game_chat", "it-IT",
     [("a", 14, 14, 800, True), ("b", 13, 13, 700, True), ("c", 14, 14, 600, True)], J,
     "clan che recluta",
     ["a: vuoi entrare nel clan?",
      "b: certo",
      "c: benvenuto, ormai sei uno di noi ahah"])

if __name__ == "__main__":
    out = HERE / "cce-dev.jsonl"
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in S))
    print(f"wrote {len(S)} conversations to {out}")
