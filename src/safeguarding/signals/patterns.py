"""Non-tactic evidence in a message: age statements, adult indicators, contact details.

These feed the context the risk stage reasons with: an account that says "im 14" but also
"driving to work" is treated as an adult; a phone number or handle given to a child is a
platform move whatever the words around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import re2

# Age statements, several languages; text is normalised (lower-case, accents folded).
_AGE_PATTERNS = [
    r"\b(?:i'?m|i am|im|am|me|turning|turned|just turned)\s+(?:only\s+|just\s+|nearly\s+|almost\s+)?(\d{1,2})\b(?!\s*(?:min|mins|minutes|h|hrs|hours|am|pm|%|k|km|mph|quid|pounds|dollars|euros|\$|£|€|:|th|st|nd|rd))",
    r"\b(\d{1,2})\s*(?:yo|y/o|y\.o\.?|yrs?\s*old|years?\s*old|anos|ans|jahre(?:\s+alt)?|anni)\b",
    r"(?:^|\s|,)(\d{1,2})\s?(?:/\s?)?(?:m|f|male|female|boy|girl|nb)\b(?!\S)",
    r"(?:^|\s)(?:m|f)\s?/?\s?(\d{2})\b",
    r"\b(?:tengo|tenho|j'?ai|ich bin|ho)\s+(?:solo\s+|so\s+|seulement\s+|nur\s+|erst\s+)?(\d{1,2})\b",
    r"\basl\W+(\d{1,2})\b",
]
_AGE_RX = re.compile("|".join(f"(?:{p})" for p in _AGE_PATTERNS))

# A short reply to an age question that contains a lone number ("11 wbu", "im old lol 45"):
# read as an age only when someone asked, and only in a short message.
ANSWER_AGE_RX = re.compile(
    r"(?<![\w:.,$£€/+#-])(\d{1,2})(?![\w:%$£€/]|\s*(?:mins?|minutes|hours?|hrs?|pm|am|k|km|x|lvl|levels?|days?|weeks?|months?|pts|points|goals?)\b)"
)
ANSWER_MAX_CHARS = 60

# Adult life behind whatever age an account claims, in every supported language. Strong
# indicators (a spouse, one's own children, a mortgage or rent, a commute to the office,
# school long past) weigh 1; weak ones that a teen with a Saturday job might also say ("after
# work", "my boss", "my shift") weigh 0.5. The risk stage grades a "teen" by the sum.
_ADULT_STRONG = [
    # en
    r"\bmy (?:wife|husband|missus|hubby|fiancee?|ex[- ]?wife|ex[- ]?husband|divorce|pension|mortgage|payslip|paycheck|landlord|tax return|car insurance|colleagues?|coworkers?|co-workers?)\b",
    r"\bmy (?:kids|children|son|daughter|stepson|stepdaughter|grandkids|toddler|baby daughter|baby son)\b",
    r"\b(?:the kids are|put(?:ting)? the kids to) (?:\w+ )?(?:asleep|in bed|bed)\b",
    r"\b(?:drive|driving|drove|commute|commuting|way) (?:to|home from|back from|in to) (?:work|the office|my job)\b",
    r"\b(?:pay|paying|paid) (?:my |the )?(?:rent|bills|taxes|mortgage|council tax)\b",
    r"\b(?:my|a) (?:full[- ]time )?job (?:at|in|as)\b",
    r"\bwhen i was (?:ur|your|ya) age\b",
    r"\b(?:back in my day|in my twenties|in my thirties|i'?m in my (?:20s|30s|40s|twenties|thirties))\b",
    r"\b(?:when i was (?:at|in) (?:high )?school|back (?:when i was )?in (?:high )?school|my (?:old )?school days|(?:left|finished) school (?:\w+ ){0,2}(?:years|ages|decades) ago|(?:years|decades) since i (?:left|finished) school)\b",
    r"\b(?:my (?:uni|university|college) days|when i was at (?:uni|university))\b",
    # es
    r"\bmi (?:esposa|mujer|marido|hipoteca|exmujer|exmarido|nomina|casero)\b|\bmis (?:hijos|hijas|companeros de trabajo)\b|\bmi (?:hijo|hija) (?:\w+ )?(?:tiene|va|esta)\b",
    r"\b(?:pagar|pago|pague) (?:el alquiler|la hipoteca|las facturas|los impuestos)\b|\b(?:voy|vuelvo|volviendo|conduciendo) (?:al|del) (?:trabajo|curro|la oficina)\b",
    r"\bcuando (?:yo )?(?:iba al|estaba en el) (?:cole|colegio|instituto|insti)\b|\bcuando (?:yo )?tenia tu edad\b|\ben mis tiempos\b",
    r"\b(?:el|mi) alquiler\b|\bmi casero\b",
    # fr
    r"\bma femme\b|\bmon mari\b|\bmes enfants\b|\bmon (?:fils|ex-femme|ex-mari|credit immobilier|proprio|salaire)\b|\bmes collegues\b",
    r"\b(?:payer|paye) (?:le loyer|les factures|mes impots|le credit)\b|\b(?:au|du) bureau\b|\ben allant au (?:boulot|travail)\b",
    r"\bquand j'?etais (?:au lycee|au college|a l'?ecole|a la fac)\b|\ba ton age\b|\bde mon temps\b",
    # de
    r"\bmeine (?:frau|kinder|tochter|ex-frau|kollegen|miete|hypothek)\b|\bmein (?:mann|sohn|gehalt|vermieter)\b",
    r"\b(?:miete|rechnungen|steuern) (?:\w+ )?(?:zahlen|bezahlen|gezahlt)\b|\b(?:ins|im|aus dem) buero\b|\bauf dem weg (?:zur|von der) arbeit\b",
    r"\b(?:die|meine) kinder ins bett\b",
    r"\bals ich (?:noch )?(?:in der schule|zur schule|auf der schule|an der uni)\b|\bin deinem alter\b|\bzu meiner zeit\b",
    # pt
    r"\bminha (?:esposa|mulher|filha|hipoteca)\b|\bmeu (?:marido|filho|salario)\b|\bmeus (?:filhos|colegas de trabalho)\b",
    r"\b(?:pagar|pago|paguei) (?:o aluguel|o aluguer|as contas|a hipoteca|o financiamento|os impostos)\b|\b(?:indo|voltando|vou) (?:pro|para o|do) (?:trabalho|escritorio|servico)\b",
    r"\bquando eu (?:estava|era|tava) na escola\b|\bna (?:tua|sua) idade\b|\bno meu tempo\b",
    r"\bo (?:aluguel|aluguer)\b|\bdono do ape\b",
    # it
    r"\bmia (?:moglie|figlia)\b|\bmio (?:marito|figlio|stipendio)\b|\bi miei (?:figli|colleghi)\b|\bil (?:mio )?mutuo\b",
    r"\b(?:pagare|pago|pagato) (?:l'?affitto|le bollette|le tasse|il mutuo)\b|\bin ufficio\b|\b(?:vado|torno) (?:al|dal) lavoro\b",
    r"\bquando (?:andavo|ero) a scuola\b|\balla tua eta\b|\bai miei tempi\b",
    r"\bl'?affitto\b|\bpadrone di casa\b",
    # nl
    r"\bmijn (?:vrouw|man|kinderen|zoon|dochter|hypotheek|collega'?s|salaris|ex-vrouw|ex-man)\b",
    r"\b(?:de )?(?:huur|rekeningen|belasting) (?:\w+ )?(?:betalen|betaald)\b|\b(?:naar|op) kantoor\b|\bonderweg (?:naar|van) (?:mijn )?werk\b",
    r"\bde huur\b|\bmijn huisbaas\b",
    r"\btoen ik (?:nog )?op (?:de middelbare|school) zat\b|\bop jouw leeftijd\b|\bin mijn tijd\b",
]
_ADULT_STRONG += [
    # one's own child taken to or fetched from daycare or school; school long finished
    r"\b(?:drop(?:ping|ped)? off|pick(?:ing|ed)? up|tak(?:e|ing)|took) my (?:son|daughter|kid|kids|little one|boy|girl) (?:\w+ ){0,1}(?:at|from|to) (?:daycare|nursery|preschool|kindergarten|school)\b",
    r"\b(?:deja(?:r|ndo|ba)?|lleva(?:r|ndo|ba)?|recog(?:er|iendo|ia)|recogi) a (?:mi|mis) (?:hijo|hija|hijos|hijas|peque|nene|nena) (?:\w+ ){0,1}(?:a|en|de|del) (?:la |el )?(?:guarderia|escuela|cole|colegio)\b",
    r"\b(?:termine|acabe|deje|sali del) (?:el )?(?:insti|instituto|cole|colegio) hace (?:anos|siglos|mucho|una eternidad)\b|\bhace (?:anos|siglos|mucho) que (?:termine|acabe|deje) el (?:insti|instituto|cole|colegio)\b",
    r"\b(?:deposer|depose|recuperer|recupere|chercher|cherche|emmener|emmene) (?:mon fils|ma fille|mes enfants|mon petit|ma petite|mon gamin) (?:\w+ ){0,1}(?:a|de) (?:la |l'?)?(?:creche|garderie|maternelle|ecole)\b",
    r"\bj'?ai (?:fini|quitte|termine) (?:le lycee|l'?ecole|le college) (?:il y a (?:des annees|longtemps|une eternite|\d+ ans))\b",
    r"\b(?:meinen sohn|meine tochter|meine kinder|mein kind|den kleinen|die kleine) (?:\w+ ){0,2}(?:kita|kindergarten|schule|krippe) (?:bringen|gebracht|abholen|abgeholt|bringe|hole)\b",
    r"\b(?:schule|abi|abitur) (?:ist|war) (?:schon )?(?:jahre|ewig|ewigkeiten|lange) her\b",
    r"\b(?:deixar|deixando|deixei|buscar|buscando|busquei|levar|levando|levei) (?:o |a )?(?:meu filho|minha filha|meus filhos|meu pequeno|minha pequena) (?:\w+ ){0,1}(?:na|da|pra|para a) (?:creche|escola|escolinha)\b",
    r"\b(?:terminei|sai|larguei) (?:a escola|da escola|o colegio|do colegio|o ensino medio) ha (?:anos|seculos|muito tempo|uma eternidade)\b",
    r"\b(?:portare|portato|porto|prendere|preso|accompagnare|accompagnato) (?:mio figlio|mia figlia|i miei figli|il piccolo|la piccola) (?:\w+ ){0,1}(?:all'?asilo|a scuola|al nido)\b",
    r"\bho (?:finito|lasciato) (?:la scuola|il liceo) (?:da anni|anni fa|secoli fa|da una vita)\b",
    r"\b(?:mijn zoon|mijn dochter|mijn kinderen|de kinderen|de kleine) (?:\w+ ){0,2}(?:naar|van) (?:de )?(?:creche|opvang|kinderopvang|school) (?:brengen|gebracht|halen|gehaald|breng|haal)\b",
    r"\b(?:jaren|eeuwen|een eeuwigheid) geleden (?:van school|klaar met school|dat ik op school zat)\b",
]
_ADULT_WEAK = [
    r"\bmy (?:boss|manager|shift|flat|apartment|lunch break)\b",
    r"\b(?:at|after|before|from|off) work\b",
    r"\bmi (?:jefe|jefa|turno)\b|\b(?:al|del|en el) (?:trabajo|curro)\b",
    r"\bmon (?:patron|chef|boulot|travail)\b|\bau (?:boulot|travail)\b|\bapres le (?:boulot|travail)\b",
    r"\bmein (?:chef|job)\b|\bmeine (?:arbeit|chefin|schicht)\b|\b(?:zur|von der|auf der|nach der) arbeit\b",
    r"\bmeu (?:chefe|trabalho|emprego|turno)\b|\b(?:no|do) trabalho\b",
    r"\bil mio (?:capo|turno|lavoro)\b|\b(?:al|dal|dopo il) lavoro\b",
    r"\bmijn (?:baas|dienst|werk)\b|\b(?:op|naar|na|van) het werk\b",
]


def _adult_prefilter() -> Any:
    """All adult patterns in one RE2 set: most messages match none, and one set scan costs
    a fraction of running dozens of alternatives with ``re``."""
    options = re2.Options()
    options.log_errors = False
    found = re2.Set.SearchSet(options)
    for pattern in _ADULT_STRONG + _ADULT_WEAK:
        found.Add(pattern)
    found.Compile()
    return found


_ADULT_SET = _adult_prefilter()
_ADULT_RXS = [(re.compile(p), 1.0) for p in _ADULT_STRONG] + [
    (re.compile(p), 0.5) for p in _ADULT_WEAK
]


_PLATFORMS = (
    r"snap(?:chat)?|sc|insta(?:gram)?|ig|discord|kik|telegram|tg|whats ?app|wa|zap|skype|"
    r"signal|tiktok|line|viber|wickr|threema|session"
)
_HANDLE_RX = re.compile(
    rf"\b(?:{_PLATFORMS})\s*(?:is|:|=|-|->|@|es|est|ist|e|eh)\s*@?([a-z0-9][a-z0-9._-]{{2,29}})\b"
)
_AT_HANDLE_RX = re.compile(r"(?:^|\s)@([a-z0-9_.]{3,30})\b")
_DISCORD_TAG_RX = re.compile(r"\b[a-z0-9_.]{2,32}#\d{4}\b")
_EMAIL_RX = re.compile(r"\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b")
_PHONE_RX = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,18}\d(?![\w.])")
_HANDLE_STOPWORDS = {
    "me",
    "you",
    "u",
    "my",
    "your",
    "ur",
    "the",
    "and",
    "pls",
    "please",
    "better",
    "too",
    "ok",
    "yes",
    "no",
    "its",
    "it",
    "is",
    "tho",
    "now",
    "rn",
    "then",
    "bc",
    "later",
    "instead",
}


@dataclass(frozen=True, slots=True)
class PatternHit:
    kind: str  # age_statement | adult_indicator | contact_detail
    start: int
    end: int
    value: str
    weight: float = 1.0


def stated_ages(text: str) -> list[PatternHit]:
    """Ages a sender states about themself ("im 13", "14f", "25/m", "tengo 12 años")."""
    out: list[PatternHit] = []
    for m in _AGE_RX.finditer(text):
        value = next((g for g in m.groups() if g is not None), None)
        if value is not None and 5 <= int(value) <= 99:
            out.append(PatternHit("age_statement", m.start(), m.end(), value))
    return out


def adult_indicators(text: str) -> list[PatternHit]:
    """Life facts only an adult usually has (a spouse, children, a mortgage, a job); weight 1
    for strong indicators, 0.5 for weak ones. Overlapping hits of several patterns count
    once (the strongest)."""
    matched = _ADULT_SET.Match(text)
    if not matched:
        return []
    hits: list[PatternHit] = []
    for index in sorted(matched):
        rx, weight = _ADULT_RXS[index]
        for m in rx.finditer(text):
            if any(h.start < m.end() and m.start() < h.end for h in hits):
                continue
            hits.append(PatternHit("adult_indicator", m.start(), m.end(), m.group(0), weight))
    return sorted(hits, key=lambda h: h.start)


_DIGIT_RX = re.compile(r"\d")


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def contact_details(text: str) -> list[PatternHit]:
    """Phone numbers, platform handles, discord tags and e-mail addresses."""
    out: list[PatternHit] = []
    for m in _HANDLE_RX.finditer(text):
        if m.group(1) not in _HANDLE_STOPWORDS:
            out.append(PatternHit("contact_detail", m.start(), m.end(), m.group(1)))
    # The other patterns each need a character most messages lack ("@", "#", a digit); a
    # membership test is far cheaper than a regex scan, which runs only when it can match.
    has_at = "@" in text
    for rx, needed in (
        (_AT_HANDLE_RX, has_at),
        (_DISCORD_TAG_RX, "#" in text),
        (_EMAIL_RX, has_at),
    ):
        if needed:
            for m in rx.finditer(text):
                out.append(PatternHit("contact_detail", m.start(), m.end(), m.group(0).strip()))
    if _DIGIT_RX.search(text):
        for m in _PHONE_RX.finditer(text):
            if 9 <= _digits(m.group(0)) <= 15:
                out.append(PatternHit("contact_detail", m.start(), m.end(), m.group(0)))
    return out
