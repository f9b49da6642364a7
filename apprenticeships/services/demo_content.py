"""The fixed content of the demo programme: a fictional council, its people and partners.

Everything here is invented. OTJ minimums are plausible demo values, not the published list:
coordinators edit them per standard.
"""

from ..models import ActivityType, OrganisationSize, PartnershipStatus, ServiceArea, WorkingPattern

PROVIDERS = [
    ("Riverside College", "10000001", "Angela Marsh", "apprenticeships@riverside-college.example"),
    ("Northern Digital Skills Ltd", "10000002", "Tom Reid", "enquiries@northern-digital.example"),
    ("Codewell Training Partnership", "10000003", "Sana Iqbal", "hello@codewell.example"),
]

# reference, title, level, OTJ minimum hours, typical months, service area, KSBs
STANDARDS = [
    ("ST0116", "Software developer", 4, 555, 24, ServiceArea.SOFTWARE_DEVELOPMENT, [
        ("K1", "All stages of the software development life cycle"),
        ("K2", "Roles and responsibilities within the software development life cycle"),
        ("S1", "Create logical and maintainable code"),
        ("S2", "Develop effective user interfaces"),
        ("S3", "Link code to data sets"),
        ("B1", "Works independently and takes responsibility"),
        ("B2", "Applies logical thinking"),
    ]),
    ("ST0128", "Software development technician", 3, 416, 18, ServiceArea.APPLICATIONS, [
        ("K1", "Software development life cycle stages and roles"),
        ("K2", "How to test code and the types of testing"),
        ("S1", "Write simple code to a given design"),
        ("S2", "Test code and analyse the results"),
        ("B1", "Works as part of a team"),
        ("B2", "Communicates clearly with others"),
    ]),
    ("ST0120", "Digital support technician", 3, 347, 15, ServiceArea.USER_SUPPORT, [
        ("K1", "Approaches to help people use digital technology"),
        ("K2", "Principles of remote support"),
        ("S1", "Diagnose and resolve users' technical problems"),
        ("S2", "Keep records of support given"),
        ("B1", "Puts the user first"),
        ("B2", "Works securely"),
    ]),
    ("ST0118", "Data analyst", 4, 462, 24, ServiceArea.DATA, [
        ("K1", "Data architecture and how data is stored"),
        ("K2", "Data protection law and ethics"),
        ("S1", "Clean and validate data"),
        ("S2", "Analyse data and present the findings"),
        ("B1", "Acts with integrity with data"),
        ("B2", "Curious about the meaning in data"),
    ]),
    ("ST0117", "Business analyst", 4, 462, 18, ServiceArea.DELIVERY, [
        ("K1", "Approaches to business change and delivery"),
        ("K2", "Stakeholder analysis and management"),
        ("S1", "Map and model processes"),
        ("S2", "Write and manage requirements"),
        ("B1", "Works collaboratively"),
        ("B2", "Takes a structured approach to problems"),
    ]),
    ("ST0119", "Digital and technology solutions professional", 6, 1000, 36, ServiceArea.DIGITAL_SERVICE_DESIGN, [
        ("K1", "User-centred design and research methods"),
        ("K2", "Principles of service design"),
        ("S1", "Plan and run user research"),
        ("S2", "Prototype and iterate services with users"),
        ("B1", "Inclusive and accessible by default"),
        ("B2", "Reflective practice"),
    ]),
    ("ST0125", "Infrastructure technician", 3, 416, 18, ServiceArea.INFRASTRUCTURE, [
        ("K1", "Networking and cloud principles"),
        ("K2", "How to keep systems secure and backed up"),
        ("S1", "Install and configure systems"),
        ("S2", "Monitor and maintain networks"),
        ("B1", "Works safely and securely"),
        ("B2", "Keeps up to date with technology"),
    ]),
]

# name, email, job title, team, capacity. The first is the demo mentor.
MENTORS = [
    ("Priya Shah", "mentor@example.org", "Lead developer", "Digital services", 4),
    ("Daniel Hughes", "daniel.hughes@northmoor.example", "Data platform manager", "Data and insight", 4),
    ("Grace Adeyemi", "grace.adeyemi@northmoor.example", "Service designer", "Digital services", 4),
    ("Martin Kowalski", "martin.kowalski@northmoor.example", "Infrastructure manager", "ICT", 4),
    ("Helen Carter", "helen.carter@northmoor.example", "Service desk manager", "ICT", 4),
    ("Owen Price", "owen.price@northmoor.example", "Delivery manager", "Transformation", 3),
]

# name, sector, size, status, postcode, website, contacts (name, email, job title). First is the demo employer.
EMPLOYERS = [
    ("Kestrel Logistics Ltd", "Transport and logistics", OrganisationSize.MEDIUM, PartnershipStatus.ACTIVE,
     "NM1 4QT", "https://kestrel-logistics.example", [("Sam Okafor", "employer@example.org", "Head of IT")]),
    ("Northmoor Community Health Trust", "Health", OrganisationSize.LARGE, PartnershipStatus.ACTIVE,
     "NM2 8HF", "https://nmch.example", [("Ruth Bailey", "ruth.bailey@nmch.example", "Digital lead")]),
    ("Ironbridge Engineering", "Manufacturing", OrganisationSize.MEDIUM, PartnershipStatus.ACTIVE,
     "NM4 1BE", "https://ironbridge-eng.example", [("Chris Nolan", "c.nolan@ironbridge-eng.example", "Operations director")]),
    ("Millstone Housing Association", "Housing", OrganisationSize.LARGE, PartnershipStatus.ACTIVE,
     "NM3 2LD", "https://millstone-housing.example", [("Aisha Rahman", "aisha.rahman@millstone-housing.example", "Data manager")]),
    ("Brightside Design Studio", "Creative and digital", OrganisationSize.SMALL, PartnershipStatus.ACTIVE,
     "NM1 9AA", "https://brightside.example", [("Leo Martins", "leo@brightside.example", "Studio director")]),
    ("Cobalt Credit Union", "Financial services", OrganisationSize.SMALL, PartnershipStatus.PAUSED,
     "NM5 3XR", "https://cobalt-cu.example", [("Janet Moss", "j.moss@cobalt-cu.example", "General manager")]),
    ("Heath Street Library Trust", "Culture and libraries", OrganisationSize.MICRO, PartnershipStatus.PROSPECT,
     "NM2 6TT", None, [("Ben Asante", "ben@heathstreet.example", "Trust manager")]),
    ("Fenwick & Daughters Retail", "Retail", OrganisationSize.MEDIUM, PartnershipStatus.ACTIVE,
     "NM6 7PL", "https://fenwick-retail.example", [("Olivia Fenwick", "olivia@fenwick-retail.example", "Digital manager")]),
]

# employer index, title, team, pattern, hours, standards (references), places, status ("open": published, to come)
PLACEMENTS = [
    (0, "Warehouse systems developer", "IT", WorkingPattern.HYBRID, 30, ["ST0116", "ST0128"], 2, "published"),
    (0, "Fleet data placement", "Operations", WorkingPattern.ON_SITE, 30, ["ST0118"], 1, "published"),
    (1, "Patient records support", "Digital", WorkingPattern.ON_SITE, 30, ["ST0120"], 2, "published"),
    (1, "Clinic booking service research", "Digital", WorkingPattern.HYBRID, 22, ["ST0119"], 1, "submitted"),
    (2, "Factory network upgrade", "Engineering IT", WorkingPattern.ON_SITE, 37, ["ST0125"], 1, "published"),
    (3, "Tenancy data dashboards", "Data", WorkingPattern.REMOTE, 30, ["ST0118", "ST0117"], 2, "published"),
    (4, "Website accessibility audit", "Studio", WorkingPattern.HYBRID, 22, ["ST0119", "ST0116"], 1, "closed"),
    (5, "Member app discovery", "Digital", WorkingPattern.REMOTE, 22, ["ST0117"], 1, "draft"),
    (7, "Online shop support", "E-commerce", WorkingPattern.HYBRID, 30, ["ST0120", "ST0128"], 1, "published"),
    # Published, starting soon and open to join: what an apprentice finds under "Placements".
    (2, "Maintenance scheduling app", "Engineering IT", WorkingPattern.HYBRID, 30, ["ST0116", "ST0128"], 2, "open"),
]

CURRENT_COHORT_NAMES = [
    # first, last, service area, hours a week (part-time below 30), consent to be named
    ("Jordan", "Ellis", ServiceArea.SOFTWARE_DEVELOPMENT, 37, True),  # the demo apprentice
    ("Amara", "Okoro", ServiceArea.SOFTWARE_DEVELOPMENT, 37, True),
    ("Liam", "Walsh", ServiceArea.SOFTWARE_DEVELOPMENT, 25, False),
    ("Chloe", "Bennett", ServiceArea.APPLICATIONS, 37, True),
    ("Yusuf", "Ali", ServiceArea.APPLICATIONS, 37, False),
    ("Megan", "Price", ServiceArea.APPLICATIONS, 22, True),
    ("Ethan", "Clarke", ServiceArea.DATA, 37, False),
    ("Zainab", "Hussain", ServiceArea.DATA, 37, True),
    ("Callum", "Murphy", ServiceArea.DATA, 37, False),
    ("Sophie", "Turner", ServiceArea.DELIVERY, 37, False),
    ("Kwame", "Mensah", ServiceArea.DELIVERY, 30, True),
    ("Ella", "Robinson", ServiceArea.DELIVERY, 37, False),
    ("Harvey", "Lewis", ServiceArea.DIGITAL_SERVICE_DESIGN, 37, False),
    ("Maya", "Patel", ServiceArea.DIGITAL_SERVICE_DESIGN, 25, True),
    ("Ruby", "Edwards", ServiceArea.DIGITAL_SERVICE_DESIGN, 37, False),
    ("Tomasz", "Nowak", ServiceArea.INFRASTRUCTURE, 37, False),
    ("Isla", "Morgan", ServiceArea.INFRASTRUCTURE, 37, True),
    ("Reece", "Hall", ServiceArea.INFRASTRUCTURE, 37, False),
    ("Fatima", "Begum", ServiceArea.USER_SUPPORT, 30, False),
    ("Josh", "Wood", ServiceArea.USER_SUPPORT, 37, False),
    ("Leah", "Green", ServiceArea.USER_SUPPORT, 22, True),
]

EARLIER_COHORT_NAMES = [
    ("Adam", "Fletcher", ServiceArea.SOFTWARE_DEVELOPMENT),
    ("Bethany", "Shaw", ServiceArea.APPLICATIONS),
    ("Connor", "Doyle", ServiceArea.DATA),
    ("Danielle", "Ward", ServiceArea.DELIVERY),
    ("Emre", "Yilmaz", ServiceArea.INFRASTRUCTURE),
    ("Freya", "Collins", ServiceArea.USER_SUPPORT),
    ("Gareth", "Jones", ServiceArea.USER_SUPPORT),
    ("Hannah", "Kaur", ServiceArea.APPLICATIONS),
    ("Imran", "Sheikh", ServiceArea.INFRASTRUCTURE),
    ("Jade", "Foster", ServiceArea.DATA),
    ("Kieran", "Byrne", ServiceArea.SOFTWARE_DEVELOPMENT),
]

ACTIVITIES = [
    (ActivityType.TRAINING_COURSE, "Provider teaching day", "Attended the provider's teaching day on {topic}; worked through the exercises and wrote up notes."),
    (ActivityType.STUDY_TIME, "Study time", "Self-study on {topic} using the provider's online course; completed the module quiz."),
    (ActivityType.SHADOWING, "Shadowing", "Shadowed a colleague on {topic} and discussed how the team approaches it."),
    (ActivityType.MENTORING, "Mentoring session", "Mentoring session on {topic}; agreed what to practise next."),
    (ActivityType.PROJECT_WORK, "Learning project", "Worked on a learning project applying {topic}; wrote a short reflection."),
]

TOPICS = {
    ServiceArea.SOFTWARE_DEVELOPMENT: ["automated testing", "version control", "web accessibility", "databases"],
    ServiceArea.APPLICATIONS: ["writing test cases", "debugging", "code reviews", "low-code platforms"],
    ServiceArea.DATA: ["SQL joins", "data cleaning", "dashboards", "data protection"],
    ServiceArea.DELIVERY: ["process mapping", "user stories", "stakeholder maps", "agile ceremonies"],
    ServiceArea.DIGITAL_SERVICE_DESIGN: ["user interviews", "prototyping", "service blueprints", "content design"],
    ServiceArea.INFRASTRUCTURE: ["network design", "backups", "cloud identity", "patching"],
    ServiceArea.USER_SUPPORT: ["remote support tools", "ticket triage", "device security", "user guides"],
}

# The public sector return (services/demo.py `demo_sector_returns`): employee numbers for last
# financial year and this one, per part of the council, and last year's answers as filed.
SECTOR_RETURN_HEADCOUNTS = (
    {"council": {"employees_start": 2420, "employees_end": 2450, "employees_new": 295},
     "maintained_school": {"employees_start": 1215, "employees_end": 1200, "employees_new": 150}},
    {"council": {"employees_start": 2450, "employees_end": 2510, "employees_new": 310},
     "maintained_school": {"employees_start": 1200, "employees_end": 1185, "employees_new": 140}},
)
SECTOR_RETURN_ANSWERS = {
    "actions_taken": "We ran a digital apprenticeship programme with three training providers, open to new "
                     "recruits and to existing staff, and advertised every vacancy at level 3 and above as open "
                     "to apprentices.",
    "challenges": "Releasing staff in small teams for off-the-job training, and recruiting to specialist roles in "
                  "maintained schools.",
    "future_plans": "A new digital cohort each September, and support for maintained schools to take on "
                    "apprentices in IT support.",
}
