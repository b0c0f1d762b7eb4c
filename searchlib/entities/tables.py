"""Closed word classes used by the rules: titles, name heads, cue words.

These are grammar, not data about particular entities (that lives in ``data/``): the words
that introduce a person ("President", "spokesman"), end an organisation ("... Council",
"... Party") or a place ("... River", "... Province"), and the capitalised words that are
never names on their own ("Thursday", "The").
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``, as a set."""
    return frozenset(text.split())


# Words that stand before a person's name and are not part of it ("Foreign Minister X").
TITLES: frozenset[str] = _words(
    """
    President President-elect Vice Vice-President Prime Minister Premier Chancellor Secretary
    Secretary-General Undersecretary Under-Secretary Foreign Defence Defense Interior Finance
    General Gen Lieutenant Lt Lieut Colonel Col Major Maj Captain Capt Sergeant Sgt Corporal
    Cpl Private Pte Admiral Adm Commander Cmdr Marshal Field Brigadier Brig Commodore
    Mr Mrs Ms Miss Mme Mlle Dr Doctor Prof Professor Sir Dame Lord Lady Baron Baroness
    King Queen Prince Princess Crown Emperor Empress Sultan Emir Amir Sheikh Sheik Shaikh
    Ayatollah Grand Imam Mullah Pope Cardinal Archbishop Bishop Rabbi Reverend Rev Father
    Pastor Patriarch Metropolitan Senator Sen Congressman Congresswoman Representative Rep
    Assemblyman Assemblywoman Governor Gov Mayor Judge Magistrate Ambassador Envoy Consul
    Spokesman Spokeswoman Spokesperson Chairman Chairwoman Chairperson Chief Executive CEO
    Director Director-General Deputy Acting Former Speaker Leader Coach Manager Striker
    Midfielder Defender Goalkeeper Skipper Officer Inspector Detective Constable
    Superintendent Commissioner Attorney Attorney-General Prosecutor Advocate Counsel
    Treasurer Comptroller Chancellor-elect Governor-General Lieutenant-General Major-General
    Lieutenant-Colonel Brigadier-General Field-Marshal Vice-Admiral Rear-Admiral Rear
    Senior Junior Assistant Associate Minister-President State Home Economy Economic
    Trade Industry Energy Health Education Justice Culture Agriculture Transport Labor
    Labour Environment Information Communications Tourism Housing Oil Petroleum Water
    Security Intelligence Army Navy Air Police Military Opposition Party Parliamentary
    Presidential Interim Caretaker Exiled Ousted Late Saint St Mother Sister Brother
    Ex Ex-President Ex-Minister FM MP MEP MK PM
    """
)

# Of these, the ones that by themselves say "a person follows" (not "Foreign", "Health").
PERSON_TITLES: frozenset[str] = _words(
    """
    President President-elect Vice-President Prime Minister Premier Chancellor Secretary
    Secretary-General Undersecretary Under-Secretary General Gen Lieutenant Lt Lieut Colonel
    Col Major Maj Captain Capt Sergeant Sgt Corporal Cpl Pte Admiral Adm Commander Cmdr
    Marshal Brigadier Brig Commodore Mr Mrs Ms Miss Mme Mlle Dr Doctor Prof Professor Sir Dame
    Lord Lady Baron Baroness King Queen Prince Princess Emperor Empress Sultan Emir Amir
    Sheikh Sheik Shaikh Ayatollah Imam Mullah Pope Cardinal Archbishop Bishop Rabbi Reverend
    Rev Father Pastor Patriarch Senator Sen Congressman Congresswoman Representative Rep
    Assemblyman Assemblywoman Governor Gov Mayor Judge Magistrate Ambassador Envoy Consul
    Spokesman Spokeswoman Spokesperson Chairman Chairwoman Chairperson Chief CEO Director
    Director-General Speaker Leader Coach Manager Striker Midfielder Defender Goalkeeper
    Skipper Officer Inspector Detective Constable Superintendent Commissioner Attorney
    Attorney-General Prosecutor Treasurer Comptroller Governor-General Lieutenant-General
    Major-General Lieutenant-Colonel Brigadier-General Field-Marshal Vice-Admiral
    Rear-Admiral Minister-President Ex-President Ex-Minister FM MP MEP MK PM
    """
)

# Abbreviations that end with a dot without ending a sentence.
ABBREVIATIONS: frozenset[str] = _words(
    """
    Mr Mrs Ms Dr St Gen Col Lt Sgt Capt Gov Sen Rep Rev Prof Mt Ft No Jr Sr vs Adm Brig Cpl
    Maj Mme Messrs Inc Corp Co Ltd Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec etc
    """
)

# The last word of a multi-word organisation name.
ORG_SUFFIXES: frozenset[str] = _words(
    """
    Council Front Party Bank Inc Corp Corporation Ltd Limited Plc PLC plc LLC LLP AG SA NV BV
    GmbH SpA Co Company Companies Group Holdings Holding Ministry Agency Committee Commission
    University College Institute Institution Association Union Federation Confederation
    Organisation Organization Foundation Fund Trust Society League Alliance Movement Coalition
    Army Navy Force Forces Airforce Police Guard Guards Brigade Brigades Battalion Battalions
    Regiment Corps Militia Militias Command Service Services Authority Office Department
    Bureau Board Court Tribunal Parliament Assembly Senate Congress Cabinet Administration
    Airlines Airline Airways Motors Motor Industries Industry Systems Technologies Technology
    Communications Telecom Telecommunications Energy Oil Petroleum Mining Steel Chemicals
    Chemical Pharmaceuticals Pharmaceutical Bancorp Bankcorp Securities Capital Partners
    Investments Investment Insurance Exchange Club FC AFC United Rovers Wanderers Athletic
    Hotspur Albion Rangers Times Post News Journal Herald Telegraph Gazette Tribune Press
    Radio Television Network Networks Broadcasting Media Records Studios Pictures
    Entertainment Church Academy Laboratories Laboratory Labs Observatory Initiative Center
    Centre Newsroom Industrie Sons Partners AB ASA Oyj KK Pty Bhd SE Cie S.A. N.V. B.V. S.p.A.
    Programme Mission Delegation Secretariat Chamber Directorate Inspectorate Consortium
    Cartel Brotherhood Caucus Faction Bloc Committees Councils Parties Unions Associates
    Enterprises Products Foods Brewery Breweries Stores Bros Brothers Ventures Finance
    Financial Credit Savings Bancshares Trading Shipping Lines Railways Railway Railroad
    Petrochemical Petrochemicals Electric Electronics Software Computer Computers Semiconductor
    Resources Minerals Metals Gold Properties Realty Hotels Resorts Airport-Authority
    International Worldwide Global Inc. Corp. Co. Ltd. Bros. TV
    """
)

# Heads of an organisation name that take an "of"/"for" complement ("Bank of England").
ORG_OF_HEADS: frozenset[str] = _words(
    """
    Ministry Bank University College Department Council Organisation Organization League
    Union Federation Association Institute Church House Board Court Chamber Office Commission
    Committee Party Bureau Academy Society Museum Movement Congress Assembly Parliament
    Conference Confederation Agency Authority Corporation Company Fund Foundation Army Order
    School Front Coalition Alliance Brigade Brigades Centre Center Hospital Secretariat
    Conservatory Institution Tribunal Cabinet Council Friends Sisters Brothers Daughters Sons
    Knights Federation Federations Network Office Offices Program Programme Mission
    """
)

# Heads of a place name that take an "of" complement ("Gulf of Mexico", "Republic of Ireland").
LOC_OF_HEADS: frozenset[str] = _words(
    """
    Republic Kingdom Gulf Sea Bay Isle Isles Strait Straits Cape Lake Mount Port Sultanate
    Emirate Duchy Principality Province State States Commonwealth Islands Island Dome Statue
    Tower Palace Cathedral Temple Mosque Shrine Tomb Valley Sea Straits Mouth Bight Rock
    """
)

# The last word of a multi-word name of an event, a prize, a treaty, an index.
MISC_SUFFIXES: frozenset[str] = _words(
    """
    Open Cup Games Series Championship Championships Tour Prix Olympics Day War Award Awards
    Prize Festival Marathon Trophy Classic Masters Rally Derby Bowl Week Treaty Accord Accords
    Agreement Convention Protocol Declaration Doctrine Revolution Index Average Olympiad
    Paralympics Grand-Slam Slam Invitational Memorial Stakes Plate Shield Challenge Expo
    """
)

# The last word of a multi-word place name.
LOC_SUFFIXES: frozenset[str] = _words(
    """
    Street Road Avenue Square Boulevard Lane Bridge River Lake Sea Ocean Gulf Bay Strait
    Straits Canal Island Islands Isles Peninsula Mountains Mountain Hills Valley Desert
    Plateau Plains Basin Coast Heights Province Governorate Region District County Prefecture
    Oblast Territory Territories Airport Stadium Park Crossing Pass Falls Delta Forest
    Highway Quarter Neighbourhood Neighborhood Suburb Village Camp Oasis Reef Glacier Harbour
    Harbor Estuary Creek Gorge Canyon Steppe Archipelago Atoll Cape Strip
    """
)

# The first word of a place name ("Lake Victoria", "Mount Everest").
LOC_PREFIXES: frozenset[str] = _words(
    """
    Lake Mount Mt Cape Fort Gulf Isle Sea Strait Bay Port Rio Sierra Lago Monte Wadi Jebel Jabal
    Deir Tel Tell Tal Ras Khan Bab Kafr Kfar Beit Bayt Ain Ein Jisr Maarat Qasr Hayy Marj
    """
)

# The first word of an organisation name in Arabic ("Jaish al-Islam", "Liwa al-Quds").
ORG_FIRST: frozenset[str] = _words(
    "Jaish Jabhat Harakat Harakat Liwa Ahrar Hayat Hay'at Ansar Katibat Saraya Jund Faylaq Hizb"
) | _words(  # and in French, Spanish, Portuguese, Italian: "Banque Paribas", "Banco do Brasil"
    "Banque Banco Banca Caisse Societe Société Compagnie Groupe Grupo Cie Credit Crédit"
)

# Compass words that make a new place of a known one ("East Aleppo", "Northern Syria").
DIRECTIONS: frozenset[str] = _words(
    """
    North South East West Northern Southern Eastern Western Central Upper Lower Greater Inner
    Outer Northeast Northwest Southeast Southwest North-East North-West South-East South-West
    Northeastern Northwestern Southeastern Southwestern
    """
)

# Capitalised words that are never a name by themselves.
NEVER: frozenset[str] = _words(
    """
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept
    Oct Nov Dec Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
    I A The An This That These Those It Its He She We They You Me Him Her Us Them Our Their
    His My Your Madam OK Okay Yes No Not Oh I'm I've I'd I'll
    """
)

# Wire copy writes dates in capitals ("APR 1", "MONDAY"): those are never names either.
NEVER = NEVER | frozenset(w.upper() for w in NEVER if len(w) > 2)

# Function words that are capitalised only because they start a sentence or a headline.
FUNCTION_WORDS: frozenset[str] = _words(
    """
    A An The In On At Of For To From By With Without About After Before During Since Until
    And But Or Nor So Yet If When While Where Why How What Which Who Whom Whose That This
    These Those There Here It Its He She We They You I Me Him Her Us Them Our Their His My
    Your As Is Are Was Were Be Been Being Has Have Had Do Does Did Will Would Shall Should
    Can Could May Might Must Not No Yes All Some Any Each Every Both Either Neither Many Much
    More Most Other Such Only Also Even Just Still Then Than Now Once Later Earlier Meanwhile
    However Moreover Furthermore Although Though Because Unless Whether Among Between Under
    Over Into Onto Upon Against Despite Through Throughout Within Along Across Behind Beyond
    Near Per Via Mr Mrs Ms Dr Read Trends Related Photo Video Watch Share
    """
)

# Lower-case words right before a name that say it is a person ("spokesman Steffen Seibert").
PERSON_CUES_BEFORE: frozenset[str] = _words(
    """
    spokesman spokeswoman spokesperson envoy minister president chancellor leader chairman
    chairwoman director coach striker midfielder goalkeeper defender captain manager
    secretary ambassador correspondent analyst economist official commander general colonel
    sergeant lieutenant premier senator governor mayor judge lawyer attorney prosecutor
    teammate champion winner rival opponent batsman bowler pitcher driver rider cyclist player
    forward winger veteran actor actress singer author writer journalist reporter editor
    professor dealer trader strategist executive chief founder owner boss son daughter wife
    husband father mother brother sister king queen prince princess pope cleric sheikh
    candidate challenger incumbent deputy adviser advisor aide negotiator mediator
    representative dr mr mrs ms sir by
    """
)

# Verbs right after a name that suggest a person ("Seibert said").
SAY_VERBS: frozenset[str] = _words(
    """
    said says told added noted stated explained argued insisted warned wrote asked replied
    stressed urged claimed admitted denied recalled declared announced believes thinks
    """
)

# Prepositions before a single unknown name that suggest a place ("in Idlib").
PLACE_CUES_BEFORE: frozenset[str] = _words("in at near outside from to towards into")

# All-caps words that are not organisations.
ACRONYM_STOP: frozenset[str] = _words(
    """
    CEO CFO COO CTO GMT UTC EST PST CET BST TV PC OK ID AM PM FM MP MEP MK PR HQ DNA HIV AIDS
    GDP GNP CPI PPI VAT IPO ETF AGM EGM USD EUR GBP JPY RUB CHF CNY AUD CAD SEK NOK DKK
    II III IV VI VII VIII IX XI XII XX AD BC CE BCE KM KG MW KW TNT ISBN FAQ PDF URL WWW
    RPG AK IED SUV UAV RIP PS NB NOTE PCT UPDATE CORRECTED URGENT REFILE WRAPUP EXCLUSIVE
    FEATURE ANALYSIS INTERVIEW FACTBOX TIMELINE BREAKINGVIEWS VIDEO PHOTO PHOTOS LIVE
    CD DVD MP3 SMS GPS LCD PDA USB DJ IQ UK-based US-based NGO
    """
)

# Words after which a number belongs to the name ("TV 2", "Channel 4").
NUMBERED_HEADS: frozenset[str] = _words(
    "TV Channel Radio France Formula Canal Kanal Rai RAI Antenne Sky Apollo Airbus Boeing"
)

# Capitalised function words that cannot sit inside a name: a run of capitals breaks there
# ("... in Qalamoun The Syrian army ...", where a Title Case headline runs into the text).
BREAKERS: frozenset[str] = _words(
    """
    The A An In On At To From By With Or But As Is Are Was Were Be After Before Over Into
    Amid Against Says Said Say Will Would Could Should Has Have Had Not Than Then That This
    Who What When Where Why How
    """
)

# Lower-case nouns of places: "the town of X", "X village", "the Castello road". A name right
# after "<noun> of" or right before the noun is a place, whatever lists it is on.
PLACE_NOUNS: frozenset[str] = _words(
    """
    village villages town towns city cities district districts neighbourhood neighbourhoods
    neighborhood neighborhoods suburb suburbs province provinces region regions countryside
    governorate area areas outskirts road roads street highway camp crossing airport airbase
    valley mountains river county municipality
    island islands forest forests desert plain plains
    """
)

# Lower-case nouns of organisations that introduce a name: "news agency Tanjug", "serie A club
# Atalanta", "packaging company Cofinec". (Not "group": "a group of ...".)
ORG_CUES_BEFORE: frozenset[str] = _words(
    """
    agency newspaper daily weekly broadcaster channel magazine company firm club side carrier
    airline bank brewer insurer retailer maker manufacturer automaker carmaker producer
    conglomerate subsidiary unit conglomerate bourse exchange party militia faction
    """
)

# Words of a site's furniture that never sit inside a name ("YouTube Source TRTWorld",
# "Monitor AFP"): a run of capitals breaks there.
BOILERPLATE_WORDS: frozenset[str] = _words(
    """
    Source Sources Via Credit Credits Photo Photos Image Images Video Videos Follow Subscribe
    SUBSCRIBE FOLLOW Tags Published Updated Posted Share Copyright Dont Don't
    """
)

# US state abbreviations as news agencies write them after a city ("Hartford, Conn.").
US_STATE_ABBREVIATIONS: dict[str, str] = {
    "Ala": "Alabama", "Ariz": "Arizona", "Ark": "Arkansas", "Calif": "California",
    "Colo": "Colorado", "Conn": "Connecticut", "Del": "Delaware", "Fla": "Florida",
    "Ga": "Georgia", "Ill": "Illinois", "Ind": "Indiana", "Kan": "Kansas", "Kans": "Kansas",
    "Ky": "Kentucky", "La": "Louisiana", "Md": "Maryland", "Mass": "Massachusetts",
    "Mich": "Michigan", "Minn": "Minnesota", "Miss": "Mississippi", "Mo": "Missouri",
    "Mont": "Montana", "Neb": "Nebraska", "Nebr": "Nebraska", "Nev": "Nevada",
    "N.H": "New Hampshire", "N.J": "New Jersey", "N.M": "New Mexico", "N.Y": "New York",
    "N.C": "North Carolina", "N.D": "North Dakota", "Okla": "Oklahoma", "Ore": "Oregon",
    "Pa": "Pennsylvania", "R.I": "Rhode Island", "S.C": "South Carolina", "S.D": "South Dakota",
    "Tenn": "Tennessee", "Tex": "Texas", "Vt": "Vermont", "Va": "Virginia", "Wash": "Washington",
    "W.Va": "West Virginia", "Wis": "Wisconsin", "Wisc": "Wisconsin", "Wyo": "Wyoming",
}  # fmt: skip

# Legal forms that end a company name ("General Motors Corp", "Cofinec S.A."). The facet
# value of a company drops them, so "General Motors" and "General Motors Corp" are one value.
LEGAL_FORMS: frozenset[str] = _words(
    """
    Inc Inc. Corp Corp. Co Co. Cos Cos. Ltd Ltd. Plc PLC plc LLC L.L.C. LLP LP L.P. AG SA S.A.
    NV N.V. BV B.V. GmbH SpA S.p.A. AB ASA Oyj KK K.K. Pty Bhd Berhad SE Cie Srl S.r.l. SAB
    """
)

# Lower-case nouns before a title of a work or a band: "the film Vera Drake", "the band Franz
# Ferdinand" (a name of that kind is not a person).
MISC_CUES_BEFORE: frozenset[str] = _words(
    "film movie album single song novel book musical opera sitcom documentary series"
    " drama biopic comedy thriller blockbuster sequel"
)

# Nouns before "in" that make the name after it a work: "her role in Vera Drake", "his
# performance in Ray", "starring in Closer".
WORK_ROLES_BEFORE_IN: frozenset[str] = _words(
    "role roles performance performances starring starred stars star appearance appeared cameo"
)

# Roles of a person in a work, a band or a firm, between it and the person: "Vera Drake star
# Imelda Staunton", "Harry Potter director Alfonso Cuaron" (a work, "misc"), "Franz Ferdinand
# frontman Alex Kapranos", "Merrill Lynch analyst Matt Aizawa" (an organisation).
WORK_ROLES_AFTER: frozenset[str] = _words("star co-star director")
BAND_ROLES_AFTER: frozenset[str] = _words(
    "frontman frontwoman guitarist drummer bassist analyst analysts economist strategist"
)  # and a firm before its analyst: "Merrill Lynch analyst Charles Ryan"

# People of an organisation, before "of", "at" or "with" and the organisation: "vice president
# of Cargill", "analyst with Merrill Lynch", "officials at Salomon". A name there is the
# organisation (a gazetteer place or a known name is typed before this is asked).
EMPLOYEE_NOUNS: frozenset[str] = _words(
    """
    president vice-president chairman chairwoman director directors executive executives
    officer officers chief head spokesman spokeswoman spokesperson analyst analysts economist
    economists strategist strategists trader traders dealer dealers official officials founder
    owner manager managers employee employees shareholder shareholders
    """
)

# Prepositions after which a name that only looks like a person's is a place: "positions in
# Jubb al-Jarrah", "near Kafr Hamra".
PLACE_PREPOSITIONS: frozenset[str] = _words("in near outside into towards")
ORG_CUES_BEFORE = ORG_CUES_BEFORE | _words("band")
