"""The lyricist's semantic fields: themes a prompt can touch, with singable words by part of speech.

Parts of speech are curated here because no tagger ships with the project; every word is later
checked against the CMU dictionary and wordfreq (`vocabulary.py`), so a rare or unknown word never
reaches a lyric. Nouns take "the"; verbs are intransitive base forms ("we ___"); adjectives are
gradable ("so ___").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    triggers: frozenset[str]  # prompt words that select the theme (besides its own words)
    nouns: tuple[str, ...]
    verbs: tuple[str, ...]
    adjectives: tuple[str, ...]
    genre: str  # the style the theme suggests when the prompt names none
    mood: str


def _theme(
    name: str, triggers: str, nouns: str, verbs: str, adjectives: str, genre: str, mood: str
) -> Theme:
    return Theme(
        name,
        frozenset(triggers.split()),
        tuple(nouns.split()),
        tuple(verbs.split()),
        tuple(adjectives.split()),
        genre,
        mood,
    )


THEMES: tuple[Theme, ...] = (
    _theme(
        "love",
        "love lover lovers romance romantic kiss darling valentine crush sweetheart girlfriend "
        "boyfriend soulmate",
        "love heart kiss lover embrace promise touch rose flame darling honey",
        "fall stay glow shine hold",
        "tender sweet true warm sacred",
        "pop",
        "romantic",
    ),
    _theme(
        "heartbreak",
        "heartbreak breakup goodbye ex cheating cheated lonely leaving left divorce",
        "goodbye ghost memory letter silence echo pillow",
        "cry break fade leave bleed",
        "broken lonely cold empty blue bitter",
        "piano ballad",
        "melancholic",
    ),
    _theme(
        "night",
        "night midnight nights evening nighttime",
        "moon star midnight shadow candle sky streetlight dark",
        "shine glow dream wander whisper",
        "silver quiet endless electric",
        "synthwave",
        "dreamy",
    ),
    _theme(
        "city",
        "city cities town downtown urban neon traffic skyscraper york london paris tokyo",
        "street neon skyline traffic corner subway tower sidewalk alley crowd rooftop",
        "run drive hustle roam",
        "busy bright restless crowded",
        "synthwave",
        "energetic",
    ),
    _theme(
        "ocean",
        "ocean oceans sea seas beach beaches wave waves shore tide sail sailing island surf sailor "
        "boat",
        "wave shore tide harbor sail island sand horizon current lighthouse boat",
        "sail drift swim dive float",
        "blue salty deep endless",
        "reggae",
        "relaxed",
    ),
    _theme(
        "summer",
        "summer sun sunny sunshine july heat vacation holiday",
        "sun sunshine beach heat sunset lemonade breeze",
        "shine dance swim play",
        "golden warm bright lazy",
        "pop",
        "happy",
    ),
    _theme(
        "rain",
        "rain raining rainy storm storms thunder cloud clouds weather",
        "rain thunder cloud window puddle lightning storm umbrella",
        "pour fall shiver",
        "gray wet heavy",
        "piano ballad",
        "melancholic",
    ),
    _theme(
        "winter",
        "winter snow snowy cold december christmas ice frost",
        "snow ice frost fireplace blanket chimney snowflake",
        "freeze shiver glow",
        "frozen white cold silent",
        "folk",
        "calm",
    ),
    _theme(
        "fire",
        "fire fires flame flames burn burning blaze",
        "fire flame spark ember smoke ash",
        "burn blaze glow",
        "wild bright hot",
        "rock",
        "energetic",
    ),
    _theme(
        "road",
        "road roads trip highway journey travel traveling drive driving car cars miles train truck",
        "highway road mile engine wheel map station train horizon dust",
        "drive roll ride roam wander",
        "open dusty long restless",
        "country",
        "hopeful",
    ),
    _theme(
        "home",
        "home family mother father mom dad house childhood kids brother sister grandma grandmother "
        "grandfather parents",
        "home porch kitchen mother father table door garden photograph family",
        "return stay grow",
        "safe warm familiar",
        "folk",
        "nostalgic",
    ),
    _theme(
        "friendship",
        "friend friends friendship buddy together",
        "friend laughter promise shoulder story",
        "laugh stand share",
        "loyal true",
        "pop",
        "happy",
    ),
    _theme(
        "party",
        "party parties dance dancing club weekend celebrate celebration disco festival",
        "party floor music beat rhythm speaker crowd",
        "dance move jump groove celebrate",
        "loud wild alive electric",
        "dance pop",
        "energetic",
    ),
    _theme(
        "dream",
        "dream dreams dreaming sleep sleeping wish wishes",
        "dream wish pillow star cloud",
        "dream sleep fly float",
        "sleepy hazy",
        "ambient",
        "dreamy",
    ),
    _theme(
        "freedom",
        "freedom free escape fly flying wings rebel rebellion",
        "wing freedom sky road border chain",
        "fly run rise break",
        "free wild brave",
        "rock",
        "hopeful",
    ),
    _theme(
        "war",
        "war wars battle battles soldier soldiers fight fighting army peace",
        "soldier battle flag sword army shield banner",
        "fight march stand fall",
        "brave proud",
        "cinematic",
        "epic",
    ),
    _theme(
        "space",
        "space stars galaxy planet planets rocket astronaut universe moon cosmos cosmic mars",
        "planet rocket galaxy orbit comet universe star moon",
        "float orbit drift fly",
        "cosmic distant infinite",
        "synthwave",
        "dreamy",
    ),
    _theme(
        "nature",
        "forest forests tree trees mountain mountains river rivers nature woods flower flowers "
        "garden",
        "forest river mountain meadow flower valley pine leaf",
        "grow bloom wander",
        "green wild gentle",
        "folk",
        "calm",
    ),
    _theme(
        "morning",
        "morning mornings sunrise hope hopeful dawn start beginning",
        "morning sunrise dawn hope light window",
        "rise wake begin shine",
        "new bright hopeful",
        "pop",
        "hopeful",
    ),
    _theme(
        "money",
        "money cash rich hustle success fame gold famous",
        "money gold diamond dollar crown hustle",
        "grind shine rise win",
        "rich golden hungry",
        "hip hop",
        "confident",
    ),
    _theme(
        "memory",
        "memories memory remember nostalgia nostalgic past youth years yesterday old",
        "memory photograph yesterday year clock",
        "remember fade linger",
        "old faded young",
        "folk",
        "nostalgic",
    ),
    _theme(
        "pets",
        "dog dogs puppy puppies cat cats kitten pet pets",
        "dog puppy leash ball yard cat",
        "bark play run",
        "loyal playful",
        "country",
        "happy",
    ),
    _theme(
        "coffee",
        "coffee cafe tea espresso latte",
        "coffee cup cafe table morning",
        "sip wake linger",
        "bitter warm",
        "lo-fi",
        "relaxed",
    ),
    _theme(
        "school",
        "school teacher class graduation homework college student",
        "classroom teacher lesson hallway locker graduation",
        "learn study graduate",
        "young nervous",
        "pop punk",
        "nostalgic",
    ),
    _theme(
        "work",
        "work job office boss monday career shift overtime",
        "office desk deadline paycheck shift",
        "work grind quit",
        "tired restless",
        "blues",
        "weary",
    ),
    _theme(
        "sports",
        "game games team win winning football soccer basketball champion championship sport",
        "field team trophy whistle champion goal game",
        "win score play",
        "unstoppable strong",
        "rock",
        "energetic",
    ),
    _theme(
        "faith",
        "god faith prayer church heaven angel angels soul gospel jesus",
        "prayer angel heaven soul church grace",
        "pray believe rise",
        "holy blessed",
        "soul",
        "uplifting",
    ),
    _theme(
        "grief",
        "death grief funeral loss gone missing died dying",
        "grave candle flower silence heaven",
        "mourn fade rest",
        "gone quiet heavy",
        "piano ballad",
        "sad",
    ),
    _theme(
        "halloween",
        "ghost ghosts haunted halloween witch spooky zombie vampire",
        "ghost shadow grave moon pumpkin witch",
        "haunt howl creep",
        "spooky",
        "rock",
        "dark",
    ),
    _theme(
        "machine",
        "robot robots machine machines computer phone internet digital ai technology",
        "machine circuit screen signal wire robot",
        "glitch glow",
        "digital electric",
        "electronic",
        "futuristic",
    ),
    _theme(
        "food",
        "food pizza cooking kitchen taco tacos burger dinner breakfast",
        "pizza kitchen oven recipe bread dinner",
        "cook taste",
        "hungry delicious",
        "funk",
        "playful",
    ),
    _theme(
        "wedding",
        "wedding marry married marriage bride groom",
        "ring bride altar vow veil",
        "marry dance",
        "sweet",
        "r&b",
        "romantic",
    ),
    _theme(
        "birthday",
        "birthday candles cake anniversary",
        "cake candle wish balloon",
        "celebrate",
        "happy",
        "pop",
        "happy",
    ),
    _theme(
        "anger",
        "angry anger revenge rage hate",
        "fist rage revenge",
        "scream fight burn",
        "angry furious",
        "metal",
        "aggressive",
    ),
    _theme(
        "care",
        "nurse nurses doctor doctors hospital medicine sick healing heal patient patients hurt",
        "hospital medicine bandage heartbeat patient nurse doctor",
        "heal care rest",
        "tired gentle weary",
        "soul",
        "tender",
    ),
    _theme(
        "sailing",
        "pirate pirates ship ships captain crew anchor voyage",
        "ship captain anchor deck crew compass treasure",
        "sail steer drift",
        "salty stormy",
        "folk",
        "adventurous",
    ),
    _theme(
        "kingdom",
        "kingdom king kings queen queens castle throne prince princess royal empire",
        "kingdom king queen castle throne crown knight",
        "reign rule rise",
        "royal noble ancient",
        "cinematic",
        "epic",
    ),
    _theme(
        "west",
        "cowboy cowboys horse horses desert ranch west western",
        "horse saddle desert canyon ranch",
        "ride roam",
        "dusty lonesome",
        "country",
        "nostalgic",
    ),
)

# The general pool: what every song may use, and the rhyme universe beyond the themes.
GENERAL_NOUNS: tuple[str, ...] = tuple(
    """
    light night sky day way time heart fire door floor rain name flame game line sign mind rose
    road stone dream sea tree key wall hand land sand band song world fight sight shore
    air prayer chair glass past dust heat street beat
    river fever weather feather shadow meadow window pillow mountain fountain season reason
    ocean motion story glory morning evening silence distance secret answer question moment
    ground sound town crown gold soul show snow glow flow phone
    sun fun moon tune room bloom storm wire hour tower flower power
    ring wing king spring string star car guitar scar bar dark spark park art
    lie eye goodbye
    """.split()
)
# Nouns sung without "the" when they are the subject of a prompt ("dreaming of rain").
MASS_NOUNS: frozenset[str] = frozenset(
    """
    love freedom rain money snow fire hope gold music thunder sunshine heaven silence laughter
    coffee pizza bread ice frost smoke ash dust sand time light grace faith peace war summer
    winter spring autumn home
    """.split()
)
GENERAL_VERBS: tuple[str, ...] = tuple(
    """
    run fly cry try shine dance fall rise breathe sing stay go grow glow burn wait fade stand
    dream ride hide pray begin remain fight leave love smile shout sway turn
    """.split()
)
GENERAL_ADJECTIVES: tuple[str, ...] = tuple(
    """
    bright young strong free wild slow low high lost gold alive true blue cold new old fine
    real tired lonely heavy easy ready golden gentle quiet hollow brave proud sad happy
    angry calm sweet dark strange crazy
    """.split()
)

# Not lyric words: meta words of a request that name the song, not its subject.
META_WORDS: frozenset[str] = frozenset(
    """
    song songs lyric lyrics write writing wrote track tracks tune tunes music musical style genre
    vocals vocal voice singer sung sing sang male female man woman boy girl duet band instrumental
    upbeat downbeat tempo bpm beat beats fast slow chorus verse bridge hook intro outro
    bop banger anthem jam ballad ballads about make create compose composed give
    minor major key acoustic electric piano guitar drums bass synth strings orchestra
    """.split()
)

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of in on at to for from by with without into onto over under about
    above below up down out off than then so as is are was were be been being am do does did
    doing have has had having i me my mine myself you your yours yourself he him his she her hers
    it its they them their theirs we us our ours this that these those there here what which who
    whom whose when where why how all any both each few more most other some such no nor not only
    own same too very can will just should would could might must shall may one two three
    let lets let's get gets got getting really very much many also even ever every like
    i'm you're it's don't can't won't that's there's im dont cant wont thats please kind sort
    something someone somebody thing things way ways lot lots feel feeling feelings
    after before through across past around behind between during near toward towards until
    upon within along against beyond inside outside since while again still last next
        """.split()
)

# Genre words a prompt may name, mapped to the tag the engine's planner reads (builtin-engine.md).
GENRE_WORDS: dict[str, str] = {
    "pop": "pop",
    "rock": "rock",
    "punk": "punk rock",
    "metal": "metal",
    "edm": "edm",
    "electronic": "electronic",
    "house": "house",
    "techno": "electronic",
    "hiphop": "hip hop",
    "rap": "hip hop",
    "trap": "trap",
    "rnb": "r&b",
    "r&b": "r&b",
    "soul": "soul",
    "jazz": "jazz",
    "blues": "blues",
    "country": "country",
    "folk": "folk",
    "reggae": "reggae",
    "latin": "latin",
    "salsa": "latin",
    "reggaeton": "latin",
    "ballad": "piano ballad",
    "cinematic": "cinematic",
    "orchestral": "orchestral",
    "epic": "cinematic",
    "lofi": "lo-fi",
    "lo-fi": "lo-fi",
    "synthwave": "synthwave",
    "ambient": "ambient",
    "funk": "funk",
    "disco": "disco",
    "gospel": "soul",
    "indie": "indie pop",
}

# Mood words a prompt may use, mapped to the mood tag.
MOOD_WORDS: dict[str, str] = {
    "sad": "sad",
    "melancholy": "melancholic",
    "melancholic": "melancholic",
    "happy": "happy",
    "joyful": "happy",
    "cheerful": "happy",
    "upbeat": "upbeat",
    "angry": "aggressive",
    "dark": "dark",
    "romantic": "romantic",
    "nostalgic": "nostalgic",
    "hopeful": "hopeful",
    "dreamy": "dreamy",
    "chill": "relaxed",
    "calm": "calm",
    "peaceful": "calm",
    "energetic": "energetic",
    "epic": "epic",
    "lonely": "melancholic",
    "funny": "playful",
    "silly": "playful",
}

# Adjectives that only stand after a verb ("I feel alive", never "the alive night").
PREDICATIVE_ONLY: frozenset[str] = frozenset({"alive", "gone", "afraid", "alone"})
