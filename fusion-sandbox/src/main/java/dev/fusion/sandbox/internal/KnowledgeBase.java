package dev.fusion.sandbox.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The sandbox personas' tiny built-in knowledge: a few dozen common questions with a core
 * statement, two supporting details and a nuance each. Matching is by keyword sets (all words of a
 * set must appear in the prompt); the most specific matching set wins, ties go to the earlier fact.
 */
public final class KnowledgeBase {

    /** One fact. */
    public record Fact(String topic, List<Set<String>> keys, String core, String detail1, String detail2, String nuance) {
    }

    private static final List<Fact> FACTS = new ArrayList<>();

    private static void fact(String topic, String keys, String core, String d1, String d2, String nuance) {
        List<Set<String>> sets = new ArrayList<>();
        for (String alt : keys.split("\\|")) {
            Set<String> words = new LinkedHashSet<>();
            for (String w : Text.words(alt)) {
                words.add(Text.stem(w));
            }
            sets.add(words);
        }
        FACTS.add(new Fact(topic, sets, core, d1, d2, nuance));
    }

    static {
        fact("the capital of France", "capital france|paris",
                "The capital of France is Paris.",
                "Paris is also the country's largest city and its political and economic centre.",
                "The city lies on the Seine in the north of the country.",
                "The wider Paris region holds far more people than the city proper, so population figures depend on the boundary used.");
        fact("the speed of light", "speed light",
                "The speed of light in a vacuum is exactly 299,792,458 metres per second.",
                "That is about 300,000 kilometres per second, or roughly 186,000 miles per second.",
                "The value is exact because the metre has been defined from it since 1983.",
                "Light travels slower in materials such as water or glass, by a factor called the refractive index.");
        fact("the boiling point of water", "boiling water|boil water|boiling point",
                "Water boils at 100 °C (212 °F) at standard sea-level pressure.",
                "The boiling point falls as air pressure drops, so water boils at a lower temperature at altitude.",
                "Dissolved substances such as salt raise the boiling point slightly.",
                "On the modern temperature scale the boiling point at one atmosphere is about 99.97 °C, so 100 °C is a rounded figure.");
        fact("photosynthesis", "photosynthesis",
                "Photosynthesis is the process by which plants, algae and some bacteria turn light energy into chemical energy stored in sugar.",
                "It uses carbon dioxide and water and releases oxygen as a by-product.",
                "In plants it takes place in the chloroplasts, using the pigment chlorophyll.",
                "Not all photosynthesis produces oxygen: some bacteria use other electron donors such as hydrogen sulfide.");
        fact("HTTP 429", "429|rate limit|rate limiting|too many requests",
                "HTTP 429 Too Many Requests means the client sent too many requests in a given time and is being rate limited.",
                "The response may include a Retry-After header saying how long to wait before retrying.",
                "Clients should back off exponentially with jitter rather than retrying immediately.",
                "A 429 caused by an exhausted quota or spend limit will not clear by waiting a few seconds, so retrying blindly is wasteful.");
        fact("TCP and UDP", "tcp udp|tcp|udp",
                "TCP provides reliable, ordered, connection-oriented delivery, while UDP sends independent datagrams without delivery guarantees.",
                "TCP retransmits lost segments and controls congestion, which adds latency.",
                "UDP has less overhead, so it suits real-time traffic such as games, voice and DNS queries.",
                "Modern protocols such as QUIC build reliability on top of UDP, so the choice is not simply reliable versus unreliable.");
        fact("the JVM", "jvm|java virtual machine",
                "The Java Virtual Machine (JVM) runs Java bytecode, so compiled programs run on any platform that has a JVM.",
                "It manages memory with a garbage collector and compiles hot code to native code with a just-in-time compiler.",
                "Languages other than Java, such as Kotlin, Scala and Clojure, also compile to JVM bytecode.",
                "Ahead-of-time compilation, for example to GraalVM native images, trades some peak performance and dynamism for faster start-up.");
        fact("garbage collection", "garbage collection|garbage collector|gc",
                "Garbage collection automatically frees memory that a program can no longer reach.",
                "Most collectors are generational, because most objects die young.",
                "Collectors trade throughput, pause time and memory footprint against each other.",
                "Garbage collection does not prevent leaks: objects still referenced by mistake are never freed.");
        fact("REST", "rest api|restful",
                "REST is an architectural style for web APIs in which resources are identified by URLs and manipulated with standard HTTP methods.",
                "Requests are stateless, so each one carries all the information the server needs.",
                "Responses should say whether they can be cached.",
                "Many APIs called RESTful are really JSON over HTTP and ignore parts of the style such as hypermedia links.");
        fact("binary search", "binary search",
                "Binary search finds an item in a sorted array in O(log n) time by repeatedly halving the search interval.",
                "Each step compares the target with the middle element and discards the half that cannot contain it.",
                "It needs random access to the elements, so it suits arrays better than linked lists.",
                "A classic bug is integer overflow when computing the middle index as (low + high) / 2.");
        fact("prime numbers", "prime number|prime numbers",
                "A prime number is a whole number greater than 1 whose only divisors are 1 and itself.",
                "The first primes are 2, 3, 5, 7, 11 and 13, and 2 is the only even prime.",
                "There are infinitely many primes, as Euclid proved.",
                "The number 1 is not prime by convention, which keeps factorisation into primes unique.");
        fact("the Pythagorean theorem", "pythagorean|pythagoras",
                "The Pythagorean theorem states that in a right triangle the square of the hypotenuse equals the sum of the squares of the other two sides.",
                "In symbols, a² + b² = c², where c is the hypotenuse.",
                "For example, a right triangle with legs 3 and 4 has a hypotenuse of 5.",
                "It holds only in Euclidean geometry; on a curved surface such as a sphere the relation changes.");
        fact("DNA", "dna",
                "DNA is the molecule that carries the genetic instructions of living organisms.",
                "It is a double helix of two strands built from four bases: adenine, thymine, guanine and cytosine.",
                "Adenine pairs with thymine and guanine pairs with cytosine.",
                "Only a small fraction of human DNA codes for proteins; much of the rest regulates genes or has no known function.");
        fact("gravity", "gravity|gravitation",
                "Gravity is the attraction between masses; near Earth's surface it accelerates falling objects at about 9.81 m/s².",
                "Newton described it as a force proportional to the masses and inversely proportional to the square of the distance.",
                "Einstein's general relativity describes it as the curvature of spacetime by mass and energy.",
                "Newton's law is an excellent everyday approximation, but GPS satellites need relativistic corrections.");
        fact("the distance to the Sun", "distance sun|far sun|astronomical unit",
                "The average distance from Earth to the Sun is about 150 million kilometres (93 million miles), one astronomical unit.",
                "Sunlight takes about 8 minutes 20 seconds to reach Earth.",
                "The astronomical unit is defined as exactly 149,597,870,700 metres.",
                "The distance varies by about 3% over the year because Earth's orbit is slightly elliptical.");
        fact("the Moon", "moon",
                "The Moon is Earth's only natural satellite, orbiting at an average distance of about 384,400 km.",
                "It takes about 27.3 days to orbit Earth, and about 29.5 days from one new moon to the next.",
                "It is tidally locked, so the same side always faces Earth.",
                "The far side is not permanently dark; it simply faces away from Earth.");
        fact("the formula of water", "chemical formula water|h2o|water molecule",
                "The chemical formula of water is H2O: two hydrogen atoms bonded to one oxygen atom.",
                "The molecule is bent, with an angle of about 104.5 degrees, which makes it polar.",
                "Hydrogen bonds between molecules give water an unusually high boiling point for such a small molecule.",
                "Liquid water always contains a small amount of hydronium and hydroxide ions from self-ionisation.");
        fact("the speed of sound", "speed sound",
                "The speed of sound in dry air at 20 °C is about 343 metres per second.",
                "That is roughly 1,235 km/h, or about one kilometre every three seconds.",
                "Sound travels faster in liquids and solids, about 1,480 m/s in water.",
                "The speed depends mainly on temperature, not on air pressure.");
        fact("the CAP theorem", "cap theorem",
                "The CAP theorem says a distributed data store cannot guarantee consistency, availability and partition tolerance all at once.",
                "Since network partitions cannot be ruled out, a system must choose between consistency and availability when one happens.",
                "Systems such as ZooKeeper favour consistency, while Dynamo-style stores favour availability.",
                "The PACELC extension notes that even without partitions there is a trade-off between latency and consistency.");
        fact("hash maps", "hash map|hash table|hashmap|hashtable",
                "A hash map stores key-value pairs in an array of buckets chosen by hashing the key, giving average O(1) lookups.",
                "Collisions are handled by chaining entries in a bucket or by probing for another slot.",
                "The table is resized when the load factor grows too high, which keeps operations fast on average.",
                "Worst-case lookups degrade to O(n) with many collisions, which is why Java's HashMap turns long chains into balanced trees.");
        fact("recursion", "recursion|recursive",
                "Recursion is when a function solves a problem by calling itself on smaller instances of the same problem.",
                "Every recursive function needs a base case that stops the recursion.",
                "Classic examples are computing factorials and traversing trees.",
                "Deep recursion can overflow the call stack, and the JVM does not eliminate tail calls, so iteration is sometimes safer.");
        fact("large language models", "large language model|llm|language model",
                "A large language model (LLM) is a neural network trained on large amounts of text to predict the next token.",
                "Most modern LLMs use the transformer architecture.",
                "They are usually fine-tuned with human feedback to follow instructions.",
                "Fluent output is not the same as correct output: LLMs can state false things confidently, so important answers need checking.");
        fact("transformers", "transformer|self attention|attention mechanism",
                "A transformer is a neural network architecture built on self-attention, which lets every token weigh every other token in the input.",
                "It was introduced in the 2017 paper Attention Is All You Need.",
                "Because attention processes tokens in parallel, transformers train efficiently on GPUs.",
                "Plain self-attention cost grows quadratically with sequence length, which is why long contexts are expensive.");
        fact("TLS", "tls|ssl|https",
                "TLS (Transport Layer Security) encrypts and authenticates traffic between two parties, and is what puts the S in HTTPS.",
                "A handshake authenticates the server with a certificate and agrees on session keys.",
                "TLS 1.3 shortened the handshake to one round trip and removed legacy ciphers.",
                "TLS protects data in transit only; it says nothing about how the server stores or uses the data.");
        fact("DNS", "dns|domain name system",
                "DNS (the Domain Name System) translates domain names such as example.com into IP addresses.",
                "Resolvers query root, top-level-domain and authoritative servers in turn and cache the answers.",
                "Each record has a time to live (TTL) that limits how long it may be cached.",
                "Because of caching, a DNS change can take up to the old TTL to be seen everywhere.");
        fact("git rebase and merge", "rebase|git merge",
                "Git merge joins two branches with a merge commit, while git rebase replays one branch's commits on top of another.",
                "Rebasing gives a linear history, while merging preserves exactly what happened.",
                "Interactive rebase can also squash or reorder commits before sharing them.",
                "Never rebase commits that others have already pulled, because it rewrites history they depend on.");
        fact("database indexes", "database index|sql index|index query|b tree",
                "A database index is a data structure, usually a B-tree, that lets the database find rows without scanning the whole table.",
                "Indexes speed up reads and lookups on the indexed columns.",
                "A composite index helps queries that filter on its leading columns.",
                "Every index slows down writes and takes space, so indexing every column is a mistake.");
        fact("containers", "docker|container",
                "A container packages an application with its dependencies and runs it as an isolated process sharing the host's kernel.",
                "Docker builds containers from images described by a Dockerfile.",
                "Containers start in seconds and use fewer resources than virtual machines.",
                "Because containers share the kernel, their isolation is weaker than that of virtual machines.");
        fact("Kubernetes", "kubernetes|k8s",
                "Kubernetes is an open-source system for deploying, scaling and managing containerised applications across a cluster.",
                "You declare the desired state, and controllers keep working to make the cluster match it.",
                "Pods, the smallest deployable units, are scheduled onto nodes and restarted when they fail.",
                "Kubernetes adds real operational complexity, which small deployments often do not need.");
        fact("virtual threads", "virtual thread|loom",
                "Virtual threads, final in Java 21, are lightweight threads managed by the JVM rather than the operating system.",
                "They let blocking code scale to very many concurrent tasks, because a blocked virtual thread releases its carrier thread.",
                "They are created with Thread.ofVirtual() or Executors.newVirtualThreadPerTaskExecutor().",
                "They do not make CPU-bound code faster, and in Java 21 blocking inside synchronized blocks can pin the carrier thread.");
        fact("backpressure", "backpressure|reactive stream|back pressure",
                "Backpressure lets a slow consumer tell a fast producer how much data it can take, so buffers do not grow without bound.",
                "In Reactive Streams the subscriber requests n items and the publisher never sends more than requested.",
                "Project Reactor and RxJava implement this protocol, and Java exposes it as java.util.concurrent.Flow.",
                "Some sources, such as user clicks or timers, cannot be slowed down, so they need a strategy like dropping or buffering.");
        fact("exponential backoff", "exponential backoff|backoff|retry strategy",
                "Exponential backoff retries a failed operation after waits that grow geometrically, for example 0.5, 1, 2 and 4 seconds.",
                "Adding random jitter prevents many clients from retrying at the same moment.",
                "A cap on the delay and on the number of attempts keeps the worst case bounded.",
                "Only retry errors that can succeed on retry, such as timeouts, 429 and 5xx, never 400 or 401.");
        fact("idempotency", "idempotent|idempotency",
                "An operation is idempotent if doing it several times has the same effect as doing it once.",
                "HTTP GET, PUT and DELETE are defined as idempotent, while POST is not.",
                "Idempotency keys let clients retry non-idempotent requests such as payments safely.",
                "Idempotent does not mean the response is identical each time, only that the server state ends up the same.");
        fact("the largest planet", "largest planet|biggest planet|jupiter",
                "Jupiter is the largest planet in the Solar System.",
                "Its mass is more than twice that of all the other planets combined.",
                "It is a gas giant made mostly of hydrogen and helium.",
                "Its Great Red Spot is a storm larger than Earth that has been shrinking for decades.");
        fact("Mount Everest", "everest|highest mountain|tallest mountain",
                "Mount Everest is the highest mountain above sea level, at 8,849 metres (29,032 ft).",
                "It lies in the Himalayas on the border between Nepal and China.",
                "The height was confirmed by a joint Chinese and Nepalese survey in 2020.",
                "Measured from base to peak, Mauna Kea in Hawaii is taller, and Chimborazo's summit is farthest from Earth's centre.");
        fact("pi", "pi|π",
                "Pi (π) is the ratio of a circle's circumference to its diameter, approximately 3.14159.",
                "It is irrational, so its decimal expansion never ends or repeats.",
                "It is also transcendental, which is why squaring the circle with compass and straightedge is impossible.",
                "For most engineering work a handful of digits is plenty; NASA uses about 15 for interplanetary navigation.");
        fact("unit and integration tests", "unit test|integration test",
                "A unit test checks one small piece of code in isolation, while an integration test checks that several parts work together.",
                "Unit tests are fast and pinpoint failures precisely.",
                "Integration tests catch problems in the wiring, such as configuration, serialization and network calls.",
                "Heavy mocking can make unit tests pass while the real system fails, so both kinds are needed.");
        fact("mitochondria", "mitochondria|mitochondrion",
                "Mitochondria are the organelles that produce most of a cell's usable energy as ATP through cellular respiration.",
                "They have their own small circular DNA, inherited from the mother.",
                "They are thought to descend from bacteria engulfed by an ancestral cell.",
                "Some cells, such as mature red blood cells, have no mitochondria at all.");
        fact("panels of models", "panel model|judge model|mixture agents|multiple llm|several model",
                "Asking several language models and merging their answers with a judge can beat any single model, because independent errors rarely agree.",
                "The judge should see the answers anonymised and in shuffled order to reduce position and self-preference bias.",
                "Most of the gain comes from the synthesis step, not from the number of panel members.",
                "Sampling the single best model several times is sometimes as good as mixing different models, at lower cost.");
        // The example programs' default prompts (fusion-examples), so they run on real content offline.
        fact("optimistic and pessimistic locking", "optimistic locking|pessimistic locking|optimistic pessimistic",
                "Optimistic locking lets transactions proceed without locks and checks for conflicting changes at commit, while pessimistic locking takes a lock before reading so others must wait.",
                "Optimistic locking usually keeps a version number or timestamp per row and fails the update if it changed, so the loser retries.",
                "Pessimistic locking, such as SELECT ... FOR UPDATE, avoids retries but holds locks longer, which lowers concurrency and risks deadlocks.",
                "Under heavy contention optimistic locking wastes work on repeated retries, so the right choice depends on how often conflicts really happen.");
        fact("B-tree insertion", "b tree balanced|b tree insert|btree insert|btree balanced",
                "A B-tree stays balanced on insert because keys are always added to a leaf and a full node is split in two, pushing its middle key up to the parent.",
                "When a split reaches the root, the root splits and a new root is created, so the tree only grows in height at the top and every leaf stays at the same depth.",
                "For example, in a B-tree of order 3 inserting 10, 20 and 30 overfills the root; it splits into 10 and 30 under a new root 20.",
                "Some implementations split full nodes pre-emptively on the way down, which avoids a second pass back up but can split nodes that would not have overflowed.");
        fact("merging overlapping intervals", "overlapping interval|merge interval|merges interval",
                "To merge overlapping intervals, sort them by start, then walk through them and extend the last merged interval whenever the next one starts before it ends.",
                "Sorting dominates, so the whole method runs in O(n log n) time and O(n) extra space for the result.",
                "In Java, sort with Arrays.sort(intervals, Comparator.comparingInt(a -> a[0])) and collect the merged pairs in a List<int[]> before converting back to int[][].",
                "Decide whether touching intervals such as [1,2] and [2,3] count as overlapping, and handle an empty input by returning an empty array.");
        fact("readable Java", "readable java|readable code|java readable",
                "Readable Java uses intention-revealing names for classes, methods and variables, so the code says what it does without comments.",
                "Keep methods short and focused on one task, and prefer early returns over deep nesting.",
                "Prefer immutable values such as records and final fields, which make state easy to follow.",
                "Consistency matters more than any single rule, so follow the team's formatter and conventions even where you would choose differently.");
        fact("write-ahead logs", "write ahead log|wal|write ahead logging",
                "Databases use a write-ahead log so every change is recorded durably in a sequential log before the data pages themselves are modified.",
                "After a crash the database replays the log to redo committed changes and undo incomplete ones, so no committed transaction is lost.",
                "Appending to a log is sequential I/O, which is much faster than writing scattered data pages on every commit.",
                "The same log also feeds replication and point-in-time recovery, but it must be fsynced to disk for the durability guarantee to hold.");
        fact("HTTP 404", "404|http not found",
                "HTTP 404 Not Found means the server cannot find the requested resource.",
                "It is a client error: the URL may be mistyped, or the resource was removed.",
                "A server may also answer 404 to hide a resource the client is not allowed to see.",
                "A resource that is gone for good should rather answer 410 Gone, so clients and crawlers stop asking.");
        fact("Java LTS releases", "java lts|java long term support|java 21",
                "Yes: Java 21 is a long-term support (LTS) release, published in September 2023.",
                "LTS releases come every two years (17, 21, 25), with updates from vendors for several years.",
                "Releases between them, such as 22 and 23, get updates for six months only.",
                "How long an LTS release is supported depends on the vendor of the JDK build, not on the version alone.");
        fact("the sandbox", "sandbox",
                "This is the Fusion sandbox: scripted personas answer offline so you can try the pipeline without API keys.",
                "Each persona has its own latency, price and style, and the sandbox judge merges their answers deterministically.",
                "Costs shown for sandbox calls use fictional prices, so the arithmetic is real but the money is not.",
                "Sandbox answers come from a tiny built-in fact list, so they are no substitute for real models.");
    }

    private KnowledgeBase() {
    }

    /** Short answers, by fact topic, for questions that ask for just the answer ("Answer with the city name."). */
    private static final java.util.Map<String, String> SHORT = java.util.Map.ofEntries(
            java.util.Map.entry("the capital of France", "Paris"),
            java.util.Map.entry("the speed of light", "299,792,458 m/s"),
            java.util.Map.entry("the boiling point of water", "100 °C"),
            java.util.Map.entry("the largest planet", "Jupiter"),
            java.util.Map.entry("Mount Everest", "Mount Everest"),
            java.util.Map.entry("pi", "3.14159"),
            java.util.Map.entry("the formula of water", "H2O"),
            java.util.Map.entry("binary search", "O(log n)"),
            java.util.Map.entry("the speed of sound", "343 m/s"),
            java.util.Map.entry("HTTP 404", "404"),
            java.util.Map.entry("HTTP 429", "429"),
            java.util.Map.entry("Java LTS releases", "Yes"));

    private static final java.util.regex.Pattern ASKS_SHORT = java.util.regex.Pattern.compile(
            "(?i)\\b(answer with (the |a |one )?(city name|name|number|word|single word|one word|yes or no|value)"
                    + "|in one word|one word only|number only|only the (number|name|answer)|just the (number|name|answer)"
                    + "|answer yes or no|short answer only|reply with (the |a )?(name|number|word))\\b");

    /**
     * The short answer to a question that asks for just the answer ("What is the capital of France? Answer with
     * the city name." gives "Paris"), when the sandbox knows the fact and has a short form of it; every panel
     * persona gives the same one, as real models do for such questions, so a cascade can agree.
     */
    public static Optional<String> shortAnswer(String prompt) {
        if (prompt == null || !ASKS_SHORT.matcher(prompt).find()) {
            return Optional.empty();
        }
        return lookup(prompt).map(f -> SHORT.get(f.topic()));
    }

    /** All facts, in matching priority order. */
    public static List<Fact> facts() {
        return List.copyOf(FACTS);
    }

    /** The best-matching fact for a prompt, if any keyword set matches completely. */
    public static Optional<Fact> lookup(String prompt) {
        Set<String> words = new LinkedHashSet<>();
        for (String w : Text.words(prompt)) {
            words.add(Text.stem(w));
        }
        Fact best = null;
        int bestScore = 0;
        for (Fact f : FACTS) {
            for (Set<String> key : f.keys()) {
                if (key.size() > bestScore && words.containsAll(key)) {
                    best = f;
                    bestScore = key.size();
                }
            }
        }
        return Optional.ofNullable(best);
    }
}
