"""Hand-written word lists used by the normaliser's heuristics (see ``docs/normalisation.md``)."""

from __future__ import annotations


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Emoji that stand for a word in grooming tactics (platform moves, image requests, secrecy,
# gifts, meetings). The key is the emoji's first code point; skin tones and variation selectors
# do not matter. Sexual emoji are deliberately not mapped. Every other emoji becomes a space.
EMOJI_WORDS: dict[str, str] = {
    "👻": "snapchat",
    "📸": "photo", "📷": "photo", "🖼": "photo",
    "🤳": "selfie",
    "📹": "video", "🎥": "video", "📼": "video",
    "🤫": "secret", "🤐": "secret",
    "🎁": "gift",
    "💰": "money", "💵": "money", "💸": "money", "💴": "money", "💶": "money", "💷": "money",
    "🤑": "money", "💲": "money",
    "📱": "phone", "📲": "phone", "📞": "phone", "☎": "phone",
    "🏠": "home", "🏡": "home",
    "🚗": "car", "🚙": "car", "🚘": "car",
    "📧": "email", "✉": "email", "📩": "email", "📨": "email",
    "🎮": "game",
    "🎂": "birthday",
    "🏫": "school",
    "🔟": "10",
    "🆒": "cool", "🆓": "free", "🆕": "new", "🆗": "ok", "🆘": "sos", "🆙": "up", "🆚": "vs",
    "🆔": "id",
}  # fmt: skip

# Latin-script letters with no use in any real orthography that are used to dodge filters
# (small capitals, IPA look-alikes). Always folded, whatever the script of the word.
LATIN_LOOKALIKES: dict[str, str] = {
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ꞯ": "q", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    "ɑ": "a", "ɡ": "g", "ɩ": "i", "ᴑ": "o", "ꬲ": "e", "ꬽ": "o", "ꭇ": "r", "ᶃ": "g",
}  # fmt: skip

# Accent folding for ``.folded`` beyond what Unicode decomposition gives (one letter each).
EXTRA_FOLD: dict[str, str] = {
    "ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i", "ŀ": "l", "ð": "d", "ƒ": "f",
    "ɨ": "i", "ƀ": "b", "ɇ": "e", "ȼ": "c", "ɍ": "r", "ɏ": "y",
}  # fmt: skip

# Ligatures NFKC keeps but lexicons spell out (French "sœur" → "soeur").
LIGATURES: dict[str, str] = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}

# Single letters that are words in chat or in the supported languages; a spaced run made only
# of these ("u r a", "y r u", "é a o") is left alone.
CHAT_SINGLES = frozenset("aiuryconbeéàèóô")

# Chat abbreviations whose digits are not leetspeak (8 = "ate", 4 = "for", 1 = "one") or that are
# names of things. These tokens are never leet-converted.
LEET_KEEP = _wordset(
    """
    4ever 4eva 4evr 4evah 4get 4got 4give 4given 4gv 4real 4sure 4ward 4wd 4some 3some 1ce
    mp3 mp3s mp4 mp4s ps3 ps4 ps5 3ds 4x4 b4 l8 l8r l8er gr8 h8 m8 m8s w8 sk8 d8 str8
    gta5 html5 halo5
    """
)

# Two-letter words a leading leet digit and one letter spell ("0n" → "on", "1t" → "it"). Only in
# a heavily leeted message (rule 7), and only these: "4m", "5m", "8m", "4k", "3d" stay.
LEET_PAIRS = _wordset("on or of ok oh it if is in at as an so to be by")

# What may follow a single leading digit without it being leetspeak: units, ordinals, times,
# ages ("7am", "5pm", "1st", "8yo", "3hrs", "5ft").
UNIT_SUFFIXES = _wordset(
    """
    am pm st nd rd th yo yr yrs yrold yrsold yro kg km cm mm ml mb gb tb kb hz mph kmh ft
    hr hrs min mins sec secs ms lb lbs oz kms mi mins days wks fps xp hp
    """
)

# Common words with doubled letters or an "l" where leetspeak writes "1". Used only to choose
# between equally plausible readings: "cooool" → "cool" (not "col"), "he1lo" → "hello".
KNOWN_WORDS = _wordset(
    """
    all alone call cool good see too feel need meet keep sleep week seen soon book look food
    room moon boob boobs kiss miss pass boss less mess class ass sweet free tree three agree
    hello hell well will tell kill fill full pull bull ball doll dull still till small
    little bitty kitty pretty happy sorry daddy mommy mummy funny silly dinner summer better
    letter butter sweetie coffee seems sleepy sheep deep beer peer queen green teen teens
    cheer cheese steel wheel door floor poor blood flood loop pool fool tool wood wool moon
    noon shoot foot boot root mood hood cuddle cuddles address apple attack babble bubble
    lol lmao love lovely lonely girl girls like likes lick look lady lil little lips local
    lost listen life lie lies leave let later laugh please plz alone only real really tell
    chill chilling call calling called still feeling looking meeting sleeping seeing needed
    sweetheart sooner tomorrow hurry worry sorry carry marry jelly belly kitten puppy bunny
    goodnight goodbye followers follow dress address
    llamar llama calle ella ellos bello bella perro carro correo leer creer cumpleaños
    belle elle appelle rencontrer nouvelle mignonne personne comme homme femme
    alles allein treffen komm kommen schnell bitte wollen sollen kannst mann hallo
    isso nosso nossa passar carro assim
    """
)

# Words a leading "@" may stand for ("@dd me" → "add me", "@lone" → "alone"). A token that
# starts with "@" is read as one of these only when the whole token then spells one; any other
# "@word" is a handle and stays ("@gamer_boy", "@skyler99", "@jake").
AT_WORDS = _wordset(
    """
    add adding added about after again age ages alone all alright also always am an and
    any anyone anything anywhere app apps are around ask asked asking at away awake
    """
)

# Words a "+" may stand for as "t" ("cu+e" → "cute", "+ell" → "tell", "s+op" → "stop"). A
# token with "+" is read this way only when the result is one of these (or a KNOWN_WORDS
# entry), so "c++", "a+b", "me+you", "1+1" and "disney+" stay.
PLUS_WORDS = _wordset(
    """
    to too the that this them then there they their what with want wait its not but just
    get got gotta let lets out outfit about
    tell telling told talk talking text texting texted chat chatting meet meeting date dating
    time times tonight today tomorrow later late trust secret secrets private photo photos
    cute cutie pretty hot sweet sweetie sweetheart mature start stop stay still sit
    parent parents tiktok twitter telegram snapchat instagram account contact note dont cant
    wont didnt isnt aint must
    """
)

# Whole-word chat shorthands whose digits or clipping hide a word the lexicons look for. Only
# a standalone word is replaced ("no1 will know" → "no one will know"), never part of a handle,
# hashtag, e-mail or URL. "u", "ur", "r", "pic" stay: lexicons spell them.
SHORTHANDS: dict[str, str] = {
    "every1": "everyone", "any1": "anyone", "some1": "someone", "no1": "no one",
    "l8r": "later", "l8er": "later", "gr8": "great", "b4": "before", "w8": "wait",
    "2day": "today", "2nite": "tonight", "2night": "tonight",
    "2moro": "tomorrow", "2morow": "tomorrow", "2morrow": "tomorrow", "2mrw": "tomorrow",
    "tmrw": "tomorrow", "pls": "please", "plz": "please",
}  # fmt: skip
