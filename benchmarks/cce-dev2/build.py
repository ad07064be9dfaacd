"""Build cce-dev2.jsonl, the second development set of criminal exploitation (run: python build.py).

Written after the first set and the lexicons, in other words on purpose: each scenario
family (the part of the id after ``d2-``) is one way the recruitment arc is told, so the set
can be split by family for cross-validation (``--families``). Format as in ../cce-dev:
"sender: text", with tactic tags after " #" on the recruiter's lines. ``first_alert_index`` is
worked out from the tags by the moderator's rule of DATASPEC: a debt or a threat at once,
otherwise the second indicator once one of them is a task, a work phone, secrecy, a platform
move or an offer.
"""

import json
from pathlib import Path

HERE = Path(__file__).parent
S = []
CE = "criminal_exploitation"
J = "benign_job"
RISKY = {"courier_task", "burner_phone", "isolation_secrecy", "platform_move", "money_offer"}


def conv(cid, platform, locale, parts, category, notes, lines, offender=None):
    label = CE if category == CE else "benign"
    messages, tactics = [], []
    ts = 0
    for i, line in enumerate(lines):
        sender, _, rest = line.partition(": ")
        text, _, tags = rest.partition(" #")
        for tag in filter(None, tags.split(",")):
            tactics.append({"i": i, "tactic": tag.strip()})
        ts += 41 + (i * 17) % 80
        h, m, s = 16 + ts // 3600, (ts % 3600) // 60, ts % 60
        messages.append({"ts": f"2026-06-{1 + len(S) % 27:02d}T{h:02d}:{m:02d}:{s:02d}Z",
                         "from": sender, "text": text})
    alert = None
    if label != "benign":
        seen = []
        for t in tactics:
            if t["tactic"] in ("debt", "threat"):
                alert = t["i"]
                break
            seen.append(t)
            idx = sorted({x["i"] for x in seen})
            if len(idx) >= 2 and any(x["tactic"] in RISKY for x in seen):
                alert = idx[1]
                break
        if alert is None:
            alert = tactics[-1]["i"] if tactics else len(lines) - 1
    S.append({
        "id": cid, "platform": platform, "locale": locale,
        "participants": [
            {"id": p[0], "declared_age": p[1], "true_age": p[2], "account_age_days": p[3],
             "connected": p[4]} for p in parts
        ],
        "messages": messages, "label": label, "category": category,
        "offender": offender if label != "benign" else None,
        "tactics": tactics if label != "benign" else [],
        "first_alert_index": alert,
        "variant_of": None, "notes": notes,
    })


def family(cid):
    return cid.split("-")[1]


# ============================================================ criminal exploitation, English
conv("d2-runner-01", "game_chat", "en-GB", [("q", 17, 23, 5, False), ("o", 13, 13, 640, False)], CE,
     "new account in a game lobby: be my runner for a day, cash each time, keep it quiet",
     ["q: unlucky last game, you were cracked tho",
      "o: ty",
      "q: you seem switched on. i need a runner for a few hours on saturday #money_offer",
      "o: a runner?",
      "q: you just be my legs, take what i give you to whoever i say. 50 each time #courier_task,money_offer",
      "o: thats alot",
      "q: only rule is your mum and dad never hear about it #isolation_secrecy",
      "o: ok"], offender="q")
conv("d2-runner-02", "social_dm", "en-US", [("v", None, 27, 9, False), ("b", 13, 13, 300, False)], CE,
     "stranger: make bank after school by dropping things round the neighbourhood",
     ["v: hey lil man you tryna make bank after school? #money_offer",
      "b: who is this",
      "v: a friend of a friend. all you gotta do is swing by a couple addresses and hand stuff over #courier_task",
      "b: what stuff",
      "v: dont worry what's in it. kids on bikes dont get looked at #courier_task",
      "b: idk",
      "v: keep this convo to yourself #isolation_secrecy"], offender="v")
conv("d2-runner-03", "messaging", "en-GB", [("t", 19, 30, 14, False), ("r", 14, 14, 900, False)], CE,
     "adult: put you on, stack some money, bits to pass on, delete messages",
     ["t: you still skint?",
      "r: always lol",
      "t: i can put you on. stack a bit of money quick #money_offer",
      "r: how",
      "t: pick up from my boy at the park, pass it on to someone else, done #courier_task",
      "r: sounds dodgy",
      "t: its nothing. wipe this chat after you read it #isolation_secrecy"], offender="t")
conv("d2-gear-01", "social_dm", "en-GB", [("k", 18, 25, 4, False), ("a", 13, 13, 500, False)], CE,
     "gifts of clothes that become a debt",
     ["k: saw your fit yesterday, no offence but you need some new garms",
      "a: lol i know",
      "k: i'll get you a whole new tracksuit, proper brand #money_offer",
      "a: why would u do that",
      "k: cos you're a good kid. you can do me a favour later",
      "a: ok thanks",
      "k: remember that tracksuit? time to earn it. it cost me and you haven't given nothing back #debt",
      "a: i thought it was free"], offender="k")
conv("d2-gear-02", "game_chat", "en-US", [("m", 16, 21, 2, False), ("j", 12, 12, 700, False)], CE,
     "game currency then 'you owe me' then jobs",
     ["m: yo i just sent you 2k credits for the skin you wanted",
      "j: wait really?? thank you",
      "m: no prob. heard you want new sneakers too, i can sort that #money_offer",
      "j: for real",
      "m: yeah but this stuff adds up. you're gonna have to do some jobs for me to cover it #debt",
      "j: what jobs",
      "m: picking up and dropping off, nothing hard #courier_task"], offender="m")
conv("d2-gear-03", "messaging", "en-GB", [("p", None, 29, 30, False), ("e", 14, 14, 800, False)], CE,
     "new phone as bait, then 'it's a work phone'",
     ["p: your phones cracked to bits, i've got a spare new one you can have #money_offer",
      "e: are u sure?",
      "p: yeah. but that one's for when i ring you, keep it on you day and night #burner_phone",
      "e: ok",
      "p: and don't go showing it to your mum #isolation_secrecy"], offender="p")
conv("d2-hold-01", "messaging", "en-GB", [("w", 20, 26, 21, False), ("s", 14, 14, 1000, False)], CE,
     "keep a sports bag under the bed",
     ["w: need a favour, nothing big",
      "s: what",
      "w: can you put a sports bag under your bed for a week. i'll bung you a bit for it #courier_task,money_offer",
      "s: what's in it tho",
      "w: best you don't know. don't unzip it #courier_task",
      "s: ok",
      "w: if anyone finds it, it's yours not mine #isolation_secrecy"], offender="w")
conv("d2-hold-02", "social_dm", "en-US", [("z", 17, 24, 6, False), ("c", 13, 13, 400, False)], CE,
     "stash a shoebox at home",
     ["z: yo your house got a garage or a shed?",
      "c: a shed why",
      "z: i got a shoebox i need kept somewhere safe for a while, you'd be doing me a solid #courier_task",
      "c: why cant u keep it",
      "z: too hot at mine. i'll give you 100 for keeping it #money_offer",
      "c: ok"], offender="z")
conv("d2-travel-01", "messaging", "en-GB", [("h", None, 32, 50, False), ("n", 15, 15, 900, False)], CE,
     "out of town for the weekend, place to stay, lie to parents",
     ["h: got a weekend thing for you, pays well #money_offer",
      "n: where",
      "h: out of town, couple hours on the train. we've got somewhere for you to crash #courier_task",
      "n: how long",
      "h: back sunday night. tell your folks it's a sleepover at your mate's #isolation_secrecy",
      "n: ok"], offender="h")
conv("d2-travel-02", "social_dm", "en-GB", [("g", 18, 27, 11, False), ("l", 14, 14, 600, False)], CE,
     "seaside town trip, miss school",
     ["g: ever been to the seaside?",
      "l: once",
      "g: i need someone to go down there for me for a few days, all paid #courier_task,money_offer",
      "l: i've got school",
      "g: skip it, say you were ill. it's one week #isolation_secrecy",
      "l: i dunno"], offender="g")
conv("d2-travel-03", "game_chat", "en-US", [("u", 17, 22, 3, False), ("i", 14, 14, 500, False)], CE,
     "bus ticket to a different state line, bring something back",
     ["u: you got a bus pass?",
      "i: yeah",
      "u: i'll pay for the ticket, you ride out a few towns over, grab something, bring it back #courier_task",
      "i: why me",
      "u: cos you're a kid, no one stops a kid. 200 when you're back #money_offer",
      "i: ok"], offender="u")
conv("d2-phone-01", "messaging", "en-GB", [("f", None, 24, 7, False), ("d", 15, 15, 800, False)], CE,
     "new number, ditch the old phone, answer day and night",
     ["f: from now text me on this number only",
      "d: ok",
      "f: i'll drop you a cheap handset. that's the one you answer, day or night #burner_phone",
      "d: what if im asleep",
      "f: then you wake up. we'll pay you for it #money_offer",
      "d: ok"], offender="f")
conv("d2-phone-02", "social_dm", "en-GB", [("y", 19, 23, 12, False), ("x", 14, 14, 300, False)], CE,
     "sim card and rules",
     ["y: got a sim card for you, put it in the old phone #burner_phone",
      "x: why",
      "y: so nothing comes back to you. you only use it for us #burner_phone",
      "x: ok",
      "y: and you never save our names in it, we'll get you paid weekly #money_offer"], offender="y")
conv("d2-fam-01", "social_dm", "en-GB", [("b", 18, 28, 40, False), ("k", 13, 13, 700, False)], CE,
     "lonely child, older crowd as family, then a small job",
     ["b: you were quiet at the park today",
      "k: home stuff",
      "b: forget them, we're your people now. the olders have got you #belonging",
      "k: thanks",
      "b: you're one of the lads now so you'll help us out right #belonging",
      "k: with what",
      "b: just run a few errands for the crew, nothing mad #courier_task"], offender="b")
conv("d2-fam-02", "game_chat", "en-US", [("r", 16, 22, 8, False), ("t", 12, 12, 400, False)], CE,
     "brotherhood, protection from bullies, then secret jobs",
     ["r: heard those kids at your school giving you grief",
      "t: yeah",
      "r: they won't after today. we're brothers now and nobody messes with my brothers #belonging",
      "t: for real?",
      "r: deadass. all i need is you help us with some drops #courier_task",
      "t: ok",
      "r: and this stays between you and me #isolation_secrecy"], offender="r")
conv("d2-debt-01", "messaging", "en-GB", [("c", None, 31, 60, False), ("j", 14, 14, 700, False)], CE,
     "a package 'taken' and a debt to work off",
     ["c: where's the bag",
      "j: some guys took it off me",
      "c: not my problem. that bag is on your head now #debt",
      "j: i cant pay",
      "c: then you work it back, every weekend till we're square #debt",
      "j: please"], offender="c")
conv("d2-debt-02", "social_dm", "en-US", [("k", 19, 25, 15, False), ("a", 15, 15, 900, False)], CE,
     "short on the money, doubling debt",
     ["k: the money you brought back was short",
      "a: i counted it twice",
      "k: so you're saying i'm lying? it's 300 you owe now and it goes up every day #debt",
      "a: i dont have that",
      "k: you'll do runs until it's cleared #debt,courier_task"], offender="k")
conv("d2-debt-03", "game_chat", "en-GB", [("p", 17, 21, 5, False), ("m", 13, 13, 500, False)], CE,
     "'gift' of game skins reclaimed as a debt",
     ["p: you liked those skins i bought you?",
      "m: yeah they're sick",
      "p: good. they weren't cheap, you're paying me back one way or another #debt",
      "m: i thought they were a present",
      "p: grow up. you'll carry something for me saturday and we're even #courier_task",
      "m: ok"], offender="p")
conv("d2-threat-01", "messaging", "en-GB", [("d", None, 29, 90, False), ("l", 14, 14, 800, False)], CE,
     "threats to the child and family after wanting out",
     ["l: i don't want to do it anymore",
      "d: you don't get to quit",
      "d: we know your little sister walks home on her own #threat",
      "l: leave her out of it",
      "d: then you turn up at 6 like i said #threat"], offender="d")
conv("d2-threat-02", "social_dm", "en-US", [("e", 18, 26, 20, False), ("b", 14, 14, 600, False)], CE,
     "threat to the home",
     ["e: you been ignoring my calls",
      "b: i was at school",
      "e: ignore me again and people will be knocking on your door. your moms door #threat",
      "b: sorry",
      "e: pick up when the work phone rings #burner_phone"], offender="e")
conv("d2-move-01", "game_chat", "en-GB", [("s", 17, 22, 2, False), ("n", 13, 13, 400, False)], CE,
     "game chat to an encrypted app for a 'job'",
     ["s: you on tonight?",
      "n: yeah after tea",
      "s: got a money thing for you but not in here, mods read this #money_offer",
      "n: ok",
      "s: download the one with the disappearing messages, i'll find you there #platform_move",
      "n: which one",
      "s: i'll send the name. don't tell your brother what we talk about #isolation_secrecy"], offender="s")
conv("d2-move-02", "social_dm", "en-US", [("a", None, 30, 5, False), ("c", 14, 14, 200, False)], CE,
     "delete the app, new account, job talk",
     ["a: make a new account on a different app, one your parents don't know about #platform_move,isolation_secrecy",
      "c: why",
      "a: so we can talk about the job properly, there's money in it #money_offer",
      "c: ok"], offender="a")
conv("d2-clan-01", "game_chat", "en-GB",
     [("g", 17, 24, 4, False), ("h", 13, 13, 600, True), ("i", 12, 12, 500, True), ("k", 13, 13, 300, True)], CE,
     "clan chat: older account singles the quiet one out",
     ["h: gg lads",
      "i: gg",
      "k: who's on tomorrow",
      "g: @i you're the only one here with brains",
      "i: lol",
      "g: want to earn some proper money? message me private #money_offer,platform_move",
      "h: what about us",
      "g: not you. @i i'll need you to carry a few bits across town after school #courier_task",
      "i: ok"], offender="g")
conv("d2-clan-02", "game_chat", "en-US",
     [("z", 18, 25, 3, False), ("a", 14, 14, 700, True), ("b", 13, 13, 800, True), ("c", 14, 14, 900, True), ("d", 14, 14, 400, True)], CE,
     "discord-style server: recruiter picks the youngest, protection and a phone",
     ["a: anyone want to queue",
      "b: me",
      "c: 2 min",
      "z: @b yo whats your age",
      "b: 13",
      "z: perfect. hit me up privately, i'll look after you like my own #belonging,platform_move",
      "d: weird",
      "z: @b i'll send a phone to you so we can talk without your parents seeing #burner_phone,isolation_secrecy"], offender="z")
conv("d2-mixed-01", "messaging", "en-GB", [("o", 17, 17, 3, False), ("p", 12, 12, 300, False)], CE,
     "much older teen recruits a 12yo: pays per trip, police ignore kids",
     ["o: how old r u again",
      "p: 12",
      "o: thats the best age for this. old bill don't bother with year 7s #courier_task",
      "p: bother with what",
      "o: doing a few trips for me. 40 a trip #money_offer,courier_task",
      "p: ok"], offender="o")
conv("d2-mixed-02", "social_dm", "en-GB", [("m", None, 34, 18, False), ("e", 15, 15, 1200, False)], CE,
     "school exclusion, secrecy from school, a house to look after",
     ["m: heard they kicked you out of school",
      "e: just for a week",
      "m: use the week then. i need someone to sit in a flat for me and answer the door #courier_task",
      "e: whose flat",
      "m: a friend's. you'll get fed and paid #money_offer",
      "e: ok",
      "m: if the school or social ring, you were at home all week #isolation_secrecy"], offender="m")

# ============================================================ Spanish
conv("d2-runner-04", "game_chat", "es-MX", [("l", 17, 24, 3, False), ("s", 13, 13, 500, False)], CE,
     "reclutamiento en un chat de juego: paga por mandados",
     ["l: qué partidazo carnal",
      "s: gracias",
      "l: oye, ¿te late ganar unos billetes haciendo mandados? #money_offer",
      "s: ¿qué mandados?",
      "l: entregar unas cosas a unos compas, en bici, rápido #courier_task",
      "s: ¿y me pagan?",
      "l: bien pagado. pero tus papás no se enteran #isolation_secrecy"], offender="l")
conv("d2-gear-04", "social_dm", "es-ES", [("r", None, 28, 6, False), ("a", 14, 14, 800, False)], CE,
     "ropa de marca que luego se cobra",
     ["r: esa sudadera está fatal, te regalo una de marca #money_offer",
      "a: ¿en serio? gracias",
      "r: nada. ya me lo devolverás con algún favor",
      "a: vale",
      "r: esa ropa costó mucho, ahora me lo tienes que pagar trabajando #debt",
      "a: pensaba que era un regalo"], offender="r")
conv("d2-travel-04", "game_chat", "es-MX", [("c", 18, 25, 4, False), ("e", 14, 14, 600, False)], CE,
     "viaje a otro estado, quedarse fuera",
     ["c: ¿tienes ganas de salir de tu casa un rato?",
      "e: siempre jaja",
      "c: hay chamba fuera, en otro estado. te quedas unos días con la gente y regresas con lana #courier_task,money_offer",
      "e: ¿y la escuela?",
      "c: di que estás con tu primo #isolation_secrecy",
      "e: ok"], offender="c")
conv("d2-fam-03", "game_chat", "es-MX", [("b", 17, 23, 2, False), ("p", 13, 13, 400, False)], CE,
     "pertenencia: ser parte del grupo, protección",
     ["b: tú no eres como los demás morros, tienes calle",
      "p: jaja",
      "b: con nosotros ya nadie te va a tocar, eres parte de la banda #belonging",
      "p: ¿qué banda?",
      "b: te explico por otra app, aquí nos leen #platform_move",
      "p: va"], offender="b")
conv("d2-debt-04", "messaging", "es-CO", [("m", None, 30, 40, False), ("j", 15, 15, 700, False)], CE,
     "paquete perdido, deuda y amenaza",
     ["m: ¿qué pasó con el encargo?",
      "j: me lo quitaron en el camino",
      "m: eso lo pagas tú, ya estás endeudado con nosotros #debt",
      "j: no tengo plata",
      "m: pues trabajas hasta saldarla. y ojo, sabemos en qué colegio estudia tu hermana #debt,threat"], offender="m")
conv("d2-phone-03", "social_dm", "es-ES", [("v", 19, 26, 8, False), ("n", 14, 14, 500, False)], CE,
     "móvil nuevo para el trabajo",
     ["v: te paso un móvil que solo usas para hablar conmigo #burner_phone",
      "n: ¿por qué?",
      "v: porque el tuyo lo miran tus padres. con este ganas pasta #money_offer,isolation_secrecy",
      "n: vale"], offender="v")
conv("d2-hold-03", "game_chat", "es-AR", [("g", 18, 24, 10, False), ("t", 13, 13, 600, False)], CE,
     "guardar una caja en casa",
     ["g: che, ¿tenés lugar en tu pieza?",
      "t: ¿para qué?",
      "g: tengo que dejar una caja unos días, te tiro unos mangos por guardarla #courier_task,money_offer",
      "t: ¿qué tiene?",
      "g: no la abras y no le digas nada a tu vieja #courier_task,isolation_secrecy"], offender="g")
conv("d2-threat-03", "messaging", "es-MX", [("x", None, 33, 70, False), ("k", 14, 14, 900, False)], CE,
     "amenaza al querer salirse",
     ["k: ya no quiero seguir",
      "x: aquí nadie se sale así nomás",
      "x: acuérdate que sabemos dónde vives y quién es tu familia #threat",
      "k: por favor"], offender="x")
conv("d2-clan-03", "game_chat", "es-MX",
     [("z", 19, 26, 5, False), ("a", 14, 14, 700, True), ("b", 12, 12, 400, True), ("c", 13, 13, 600, True)], CE,
     "clan de juego: alguien mayor escoge al más chico",
     ["a: ¿quién juega?",
      "c: yo en 5",
      "z: @b tú juegas bien para tu edad, ¿cuántos años tienes?",
      "b: 12",
      "z: te tengo un jale que deja buen dinero, háblame por privado #money_offer,platform_move",
      "a: ¿y a nosotros?",
      "z: @b nomás es llevar unas cosas de un lado a otro #courier_task"], offender="z")
conv("d2-runner-05", "social_dm", "es-ES", [("d", 20, 29, 3, False), ("m", 14, 14, 700, False)], CE,
     "dinero rápido y subir de estatus",
     ["d: ¿quieres dejar de ir sin un duro?",
      "m: claro",
      "d: con nosotros sacas dinero rápido y todos te van a respetar #money_offer,belonging",
      "m: ¿qué hay que hacer?",
      "d: mover unos paquetes por el barrio, tranqui #courier_task"], offender="d")

# ============================================================ Portuguese
conv("d2-runner-06", "game_chat", "pt-BR", [("f", 17, 23, 4, False), ("g", 13, 13, 500, False)], CE,
     "chat de jogo: grana pra fazer entregas de bike",
     ["f: tu é brabo no jogo",
      "g: valeu",
      "f: quer ganhar um dinheiro bom? #money_offer",
      "g: como",
      "f: só umas entregas de bike pra uns amigos meus, rapidinho #courier_task",
      "g: que entregas",
      "f: não pergunta e não conta pros teus pais #courier_task,isolation_secrecy"], offender="f")
conv("d2-gear-05", "social_dm", "pt-BR", [("r", None, 27, 10, False), ("l", 14, 14, 800, False)], CE,
     "tênis de presente que vira dívida",
     ["r: gostou do tênis que te dei?",
      "l: muito, valeu",
      "r: então, aquilo não foi de graça. agora tu me deve #debt",
      "l: mas tu disse que era presente",
      "r: vai pagar trabalhando pra mim, simples #debt"], offender="r")
conv("d2-travel-05", "messaging", "pt-BR", [("c", 19, 28, 15, False), ("b", 14, 14, 700, False)], CE,
     "viagem pra outra cidade, dormir fora",
     ["c: tem um trampo fora daqui, coisa de uns dias #money_offer",
      "b: onde",
      "c: numa cidade do interior, a gente arruma onde tu ficar #courier_task",
      "b: e a escola?",
      "c: fala pra tua mãe que vai passar o fim de semana na casa de um amigo #isolation_secrecy"], offender="c")
conv("d2-fam-04", "game_chat", "pt-BR", [("t", 18, 24, 3, False), ("p", 13, 13, 400, False)], CE,
     "pertencer ao grupo, proteção, respeito",
     ["t: aqueles moleques ainda te zoam?",
      "p: às vezes",
      "t: anda com a gente que ninguém mais mexe contigo. tu é dos nossos agora #belonging",
      "p: sério?",
      "t: sério. mas vai ter que mostrar que é leal, tem umas tarefas #courier_task",
      "p: que tarefas"], offender="t")
conv("d2-debt-05", "messaging", "pt-BR", [("m", None, 31, 60, False), ("k", 15, 15, 900, False)], CE,
     "mercadoria 'perdida', dívida e ameaça à família",
     ["m: cadê a encomenda",
      "k: me roubaram no caminho",
      "m: problema teu. tá devendo pra gente agora #debt",
      "k: não tenho dinheiro",
      "m: então vai trabalhar até quitar. e lembra que a gente sabe onde tua família mora #debt,threat"], offender="m")
conv("d2-phone-04", "social_dm", "pt-BR", [("x", 18, 25, 7, False), ("j", 14, 14, 600, False)], CE,
     "chip novo, celular só pro trabalho",
     ["x: vou te dar um chip novo, usa só pra falar comigo #burner_phone",
      "j: pra quê",
      "x: pra ninguém rastrear. e apaga as conversas toda noite #isolation_secrecy",
      "j: ok",
      "x: tu vai ganhar bem, relaxa #money_offer"], offender="x")
conv("d2-hold-04", "game_chat", "pt-BR", [("g", 17, 22, 5, False), ("d", 13, 13, 400, False)], CE,
     "guardar uma mochila em casa",
     ["g: mano, tua casa tem lugar pra guardar uma mochila?",
      "d: tem por quê",
      "g: preciso deixar uma aí uns dias, te pago um dinheiro #courier_task,money_offer",
      "d: o que tem nela",
      "g: nem abre. e se alguém perguntar, tu não sabe de nada #isolation_secrecy"], offender="g")
conv("d2-clan-04", "game_chat", "pt-BR",
     [("z", 19, 25, 4, False), ("a", 14, 14, 700, True), ("b", 12, 12, 400, True), ("c", 13, 13, 600, True)], CE,
     "clã: adulto escolhe o mais novo e chama no privado",
     ["a: bora jogar",
      "c: bora",
      "z: @b quantos anos tu tem?",
      "b: 12",
      "z: tenho um trampo que paga bem pra ti, me chama no zap #money_offer,platform_move",
      "a: e eu?",
      "z: @b é só levar umas coisas pra outro bairro, ninguém desconfia de criança #courier_task"], offender="z")
conv("d2-threat-04", "social_dm", "pt-PT", [("e", None, 30, 30, False), ("r", 14, 14, 800, False)], CE,
     "ameaça depois de querer sair (PT)",
     ["r: não quero fazer mais isto",
      "e: não és tu que decides",
      "e: sabemos onde mora a tua avó, não te esqueças #threat",
      "r: por favor deixa-a"], offender="e")

# ============================================================ other languages
conv("d2-runner-07", "game_chat", "fr-FR", [("k", 17, 23, 4, False), ("m", 13, 13, 500, False)], CE,
     "FR: gagner de l'argent, déposer des choses, rien aux parents",
     ["k: bien joué la partie",
      "m: merci",
      "k: ça te dit de gagner un peu de thunes ? #money_offer",
      "m: comment ?",
      "k: tu déposes des trucs chez des potes à moi après les cours #courier_task",
      "m: ok",
      "k: et tes parents n'ont pas besoin de savoir #isolation_secrecy"], offender="k")
conv("d2-debt-06", "messaging", "fr-FR", [("d", None, 29, 40, False), ("l", 14, 14, 700, False)], CE,
     "FR: sac volé, dette",
     ["d: il est où le sac ?",
      "l: on me l'a volé",
      "d: c'est ta faute, maintenant tu nous dois de l'argent #debt",
      "l: j'ai rien",
      "d: tu vas bosser pour nous jusqu'à ce que ce soit remboursé #debt"], offender="d")
conv("d2-travel-06", "social_dm", "de-DE", [("t", 18, 26, 6, False), ("n", 14, 14, 600, False)], CE,
     "DE: Reise in eine andere Stadt, übernachten, Eltern anlügen",
     ["t: hast du am wochenende zeit?",
      "n: ja warum",
      "t: du fährst für uns in eine andere stadt und bleibst zwei nächte. gibt gutes geld #courier_task,money_offer",
      "n: und meine eltern?",
      "t: sag ihnen du schläfst bei einem freund #isolation_secrecy"], offender="t")
conv("d2-fam-05", "game_chat", "de-DE", [("b", 17, 22, 3, False), ("p", 13, 13, 400, False)], CE,
     "DE: Zugehörigkeit, Handy",
     ["b: du gehörst jetzt zu uns, wir passen auf dich auf #belonging",
      "p: echt?",
      "b: ja. ich geb dir ein zweites handy, nur für uns #burner_phone",
      "p: ok"], offender="b")
conv("d2-hold-05", "messaging", "it-IT", [("g", 19, 27, 9, False), ("a", 14, 14, 500, False)], CE,
     "IT: tenere una borsa a casa, soldi, segreto",
     ["g: mi fai un favore? tieni una borsa a casa tua per qualche giorno #courier_task",
      "a: cosa c'è dentro",
      "g: non aprirla. ti do 100 euro #money_offer",
      "a: ok",
      "g: ai tuoi genitori non dire niente #isolation_secrecy"], offender="g")
conv("d2-debt-07", "social_dm", "it-IT", [("m", None, 30, 20, False), ("r", 15, 15, 800, False)], CE,
     "IT: regalo che diventa debito, minaccia",
     ["m: le scarpe che ti ho regalato non erano gratis, adesso mi devi dei soldi #debt",
      "r: ma era un regalo",
      "m: lavori per me finché non paghi, o vengo a cercarti a casa #debt,threat"], offender="m")
conv("d2-runner-08", "game_chat", "nl-NL", [("s", 17, 22, 5, False), ("d", 13, 13, 400, False)], CE,
     "NL: makkelijk geld, spullen afleveren, niets zeggen",
     ["s: wil je wat bijverdienen? #money_offer",
      "d: hoe",
      "s: gewoon wat spullen afleveren bij vrienden van mij na school #courier_task",
      "d: ok",
      "s: niks tegen je ouders zeggen he #isolation_secrecy"], offender="s")
conv("d2-threat-05", "messaging", "nl-NL", [("x", None, 28, 30, False), ("k", 14, 14, 600, False)], CE,
     "NL: schuld en dreiging",
     ["x: het pakket is weg, dat is jouw schuld. je staat bij ons in het krijt #debt",
      "k: ik heb geen geld",
      "x: dan werk je het af. we weten waar je moeder woont #debt,threat"], offender="x")

# ============================================================ hard negatives
conv("d2-jobok-01", "messaging", "en-GB", [("w", 52, 52, 3000, True), ("k", 14, 14, 700, True)], J,
     "newsagent: paper round, parent signs the form, paid weekly",
     ["w: hi it's dave from the newsagents, your mum said you're after a paper round",
      "k: yes please",
      "w: it's 6:30 to 7:30 before school, two streets. pays every saturday",
      "k: cool",
      "w: bring the form back signed by your mum or dad and you can start monday",
      "k: she's signing it tonight"])
conv("d2-jobok-02", "messaging", "en-US", [("n", 38, 38, 900, True), ("j", 13, 13, 500, True)], J,
     "neighbour: dog walking, asked the parent",
     ["n: hi it's mrs patel next door, i spoke to your dad about walking bella",
      "j: oh yes he told me",
      "n: $10 each time, twice a week after school. is that ok?",
      "j: yes!",
      "n: i'll leave the lead and the key with your dad"])
conv("d2-jobok-03", "social_dm", "en-GB", [("c", 44, 44, 700, False), ("l", 15, 15, 900, False)], J,
     "cafe owner: weekend shift, parent meeting first",
     ["c: thanks for your message about the weekend job at the cafe",
      "l: hi yes i'd love to",
      "c: you'd be clearing tables saturday mornings, paid by the hour",
      "l: great",
      "c: as you're 15 i'll need to meet one of your parents and get the work permit from the council first",
      "l: my mum can come in on thursday"])
conv("d2-jobok-04", "messaging", "es-ES", [("p", 47, 47, 2000, True), ("m", 15, 15, 800, True)], J,
     "ES: repartir folletos con permiso de los padres",
     ["p: hola, tu madre me dijo que buscas un trabajillo",
      "m: sí",
      "p: repartir folletos de la tienda el sábado por la mañana, te pago por la mañana entera",
      "m: genial",
      "p: que tu madre firme la autorización y me la traes"])
conv("d2-jobok-05", "messaging", "pt-BR", [("d", 50, 50, 3000, True), ("g", 14, 14, 900, True)], J,
     "PT: ajudar na padaria com autorização dos pais",
     ["d: oi, aqui é o seu joão da padaria. teu pai falou que tu quer ajudar no sábado",
      "g: quero sim",
      "d: é só de manhã, embalar pão. pago no fim do dia",
      "g: beleza",
      "d: teu pai vai te trazer e buscar, combinei com ele"])
conv("d2-sib-01", "messaging", "en-GB", [("s", 19, 19, 2000, True), ("b", 14, 14, 900, True)], J,
     "older sister asks for help carrying parcels, mum knows",
     ["s: can you pick my parcel up from the post office, it's a big box",
      "b: why can't you",
      "s: i'm at work till 6. mum said you're free",
      "b: ugh ok",
      "s: i'll pay you back for the bus, and don't open it, it's nan's birthday present",
      "b: lol fine"])
conv("d2-sib-02", "messaging", "en-US", [("m", 17, 17, 2500, True), ("t", 13, 13, 1000, True)], J,
     "older brother: borrow money, owes him",
     ["m: bro can i borrow 20 till friday",
      "t: you still owe me from last time",
      "m: i know i know, i'll pay you back both on friday",
      "t: fine",
      "m: don't tell dad i asked lol he'll go on about saving"])
conv("d2-sib-03", "messaging", "es-MX", [("h", 18, 18, 2000, True), ("p", 13, 13, 900, True)], J,
     "ES: hermano mayor pide ayuda con la mudanza",
     ["h: ¿me ayudas el sábado a llevar cajas a mi nuevo depa?",
      "p: ¿cuántas?",
      "h: unas diez, mi papá trae la camioneta. te invito unos tacos",
      "p: va"])
conv("d2-scout-01", "social_dm", "en-GB", [("r", 39, 39, 400, False), ("f", 14, 14, 800, False)], J,
     "rugby scout: trial in another city, overnight with a parent",
     ["r: hi, i coach the regional rugby squad. we saw your game last weekend",
      "f: oh hi!",
      "r: there's a two day camp in another city in july, players stay over in a hotel with staff",
      "f: sounds amazing",
      "r: i'll send the consent forms to your parents, they can call me on the club number",
      "f: i'll give my dad the club number"])
conv("d2-scout-02", "social_dm", "pt-BR", [("o", 41, 41, 300, False), ("g", 13, 13, 600, False)], J,
     "PT: olheiro de futebol fala com os pais",
     ["o: oi, sou olheiro do clube, vi teu jogo no domingo",
      "g: sério?",
      "o: queremos te chamar pra um teste em outra cidade. teus pais precisam ir junto",
      "g: vou falar com minha mãe",
      "o: passa meu contato pra ela, o clube paga a viagem"])
conv("d2-scout-03", "social_dm", "es-ES", [("e", 45, 45, 500, False), ("m", 14, 14, 700, False)], J,
     "ES: ojeador de baloncesto, habla con los padres",
     ["e: hola, soy entrenador del club, te vimos en el torneo",
      "m: hola!",
      "e: nos gustaría que vinieras a una prueba. ¿puedes pasarle este mensaje a tus padres?",
      "m: sí claro",
      "e: si entras serás parte del equipo, el club cubre los viajes"])
conv("d2-clanok-01", "game_chat", "en-US",
     [("a", 15, 15, 900, True), ("b", 14, 14, 800, True), ("c", 13, 13, 300, False), ("d", 14, 14, 600, True)], J,
     "game clan recruiting a new player",
     ["a: recruiting for our squad, need someone who can snipe",
      "c: i can",
      "a: trial match tonight, if you're good you're in",
      "c: ok",
      "b: you're one of the squad now, we got your back in ranked",
      "d: welcome bro",
      "a: join our discord for the schedule"])
conv("d2-clanok-02", "game_chat", "es-MX",
     [("a", 14, 14, 900, True), ("b", 13, 13, 800, True), ("c", 13, 13, 300, False)], J,
     "ES: clan recluta jugador",
     ["a: estamos reclutando para el clan, ¿te unes?",
      "c: sí",
      "a: bienvenido, ya eres de la familia jaja",
      "b: te cubrimos en las partidas",
      "c: gracias"])
conv("d2-clanok-03", "game_chat", "pt-BR",
     [("a", 15, 15, 900, True), ("b", 14, 14, 800, True), ("c", 13, 13, 300, False)], J,
     "PT: clã recrutando",
     ["a: a gente tá recrutando pro clã, tu entra?",
      "c: entro",
      "a: agora tu é da família kkk",
      "b: a gente te protege nas ranqueadas",
      "c: valeu"])
conv("d2-joke-01", "messaging", "en-GB", [("x", 14, 14, 900, True), ("y", 14, 14, 800, True)], J,
     "friends joking about 'the plug' for snacks and drill lyrics",
     ["x: who's the plug for sweets at break",
      "y: me obviously, 20p a go",
      "x: lmao you're a businessman",
      "y: i'm on the road making money bro (that song is so good)",
      "x: you're not even allowed out past 8 lol"])
conv("d2-joke-02", "game_chat", "en-US", [("a", 13, 13, 600, True), ("b", 13, 13, 700, True)], J,
     "peers quoting lyrics and joking about owing",
     ["a: you owe me 500 coins for carrying you that game",
      "b: lol never",
      "a: pay up or i'm telling your mom you lost again",
      "b: 💀 ok ok",
      "a: we gang now fr"])
conv("d2-joke-03", "messaging", "pt-BR", [("a", 14, 14, 800, True), ("b", 14, 14, 700, True)], J,
     "PT: amigos brincando",
     ["a: tu me deve um lanche mano",
      "b: kkk depois eu pago",
      "a: ou então vou contar pra tua mãe que tu zerou a prova kkk",
      "b: para mano"])
conv("d2-joke-04", "messaging", "es-ES", [("a", 14, 14, 800, True), ("b", 14, 14, 700, True)], J,
     "ES: amigos, canción y deudas de broma",
     ["a: me debes un bocata desde el lunes",
      "b: jajaja te lo pago mañana",
      "a: esa canción de la mafia está buenísima",
      "b: somos la familia del recreo jaja"])
conv("d2-budget-01", "messaging", "en-GB", [("a", 15, 15, 900, True), ("b", 15, 15, 800, True)], J,
     "budgeting: saving for trainers, earning from a saturday job",
     ["a: how much do you make at the saturday job",
      "b: like 40 a week",
      "a: easy money",
      "b: not easy lol, my feet kill",
      "a: i'm saving up for the new trainers, nearly got enough"])
conv("d2-budget-02", "social_dm", "en-US", [("a", 16, 16, 900, True), ("b", 15, 15, 800, True)], J,
     "budgeting app talk, allowance",
     ["a: my mom set up an app for my allowance",
      "b: nice how much",
      "a: 15 a week plus extra if i mow the lawn",
      "b: i should ask for that",
      "a: i'm putting half in savings for a new phone"])
conv("d2-budget-03", "messaging", "pt-BR", [("a", 14, 14, 900, True), ("b", 14, 14, 800, True)], J,
     "PT: mesada e economizar",
     ["a: quanto tu ganha de mesada",
      "b: uns 50 por mês",
      "a: tô juntando pra comprar um celular novo",
      "b: eu também"])
conv("d2-parent-01", "messaging", "en-GB", [("m", 41, 41, 3000, True), ("k", 13, 13, 900, True)], J,
     "mum: trip to grandma's in another town, overnight",
     ["m: we're going to nan's in another town this weekend, staying two nights",
      "k: do i have to",
      "m: yes. pack your bag tonight and keep your phone charged",
      "k: ok",
      "m: and don't tell your sister about nan's birthday cake"])
conv("d2-coach-01", "messaging", "en-GB", [("c", 35, 35, 800, True), ("p", 14, 14, 700, True)], J,
     "coach: away tournament, parents' consent",
     ["c: reminder the away tournament is in another city, we stay one night at the hotel",
      "p: cool",
      "c: the cost is covered by the club fundraiser, parents sign the consent form by friday",
      "p: mum signed it"])
conv("d2-helper-01", "messaging", "es-MX", [("t", 45, 45, 2000, True), ("s", 13, 13, 800, True)], J,
     "ES: tía pide llevar un paquete a la abuela",
     ["t: mijo, ¿le llevas este paquete a tu abuela de mi parte?",
      "s: sí tía",
      "t: te doy para tu refresco. tu mamá ya sabe",
      "s: gracias"])
conv("d2-helper-02", "messaging", "de-DE", [("o", 48, 48, 2000, True), ("k", 14, 14, 800, True)], J,
     "DE: Nachbar, Zeitungen austragen, Eltern wissen Bescheid",
     ["o: hallo, deine mutter sagt du willst zeitungen austragen",
      "k: ja gerne",
      "o: samstags, wir zahlen jede woche. deine eltern müssen das formular unterschreiben",
      "k: mach ich"])
conv("d2-helper-03", "messaging", "fr-FR", [("o", 44, 44, 2000, True), ("k", 14, 14, 800, True)], J,
     "FR: voisine, garder le chat, parents d'accord",
     ["o: bonjour, ta mère m'a dit que tu pouvais nourrir le chat pendant les vacances",
      "k: oui pas de souci",
      "o: je te paie 5 euros par jour, je laisse la clé à tes parents",
      "k: merci"])


def main():
    out = HERE / "cce-dev2.jsonl"
    ids = [s["id"] for s in S]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with out.open("w", encoding="utf-8") as f:
        for s in S:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    n = sum(s["label"] == CE for s in S)
    print(f"wrote {out}: {len(S)} conversations, {n} criminal exploitation, {len(S) - n} benign")


if __name__ == "__main__":
    main()
