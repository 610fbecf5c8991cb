package dev.fusion.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A seeded, reproducible invoice-extraction workload for a 3-member panel: per ask, an invoice document,
 * its true field values and the three members' answers. Of the schema's {@value #FIELDS} leaves, exactly
 * {@code round(unanimous × 10)} get the same value from all three members; each other leaf is either a
 * {@link Agreement#SPLIT 2–1 split} (a majority, no judge needed) or, with probability {@code noMajority},
 * a {@link Agreement#NO_MAJORITY three-way} disagreement (the vote must ask the judge). Wrong values are
 * plausible extraction mistakes (net instead of gross, a misread month, the customer taken for the vendor),
 * always schema-valid and never equal to each other or to the truth after the vote's normalisation.
 * Immutable and thread-safe once built; the whole workload is computed up front.
 */
final class ExtractionWorkload {

    /** Leaves in the schema. */
    static final int FIELDS = 10;
    /** Members in the panel. */
    static final int MEMBERS = 3;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern DOC_ID = Pattern.compile("bench-doc-(\\d{6})");

    /** The extraction schema (JSON Schema 2020-12): 10 leaves, one nested object, all required. */
    static final String SCHEMA = """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","title":"Invoice","type":"object",
             "properties":{
              "invoiceNumber":{"type":"string","pattern":"^INV-[0-9]{6}$","description":"The invoice number as printed, e.g. INV-004211"},
              "issueDate":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","description":"Date of issue, ISO 8601"},
              "dueDate":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","description":"Payment due date, ISO 8601"},
              "currency":{"type":"string","enum":["EUR","USD","GBP","CHF","JPY"],"description":"ISO 4217 code of the amounts"},
              "total":{"type":"number","minimum":0,"description":"Amount due including tax"},
              "taxRate":{"type":"number","minimum":0,"maximum":100,"description":"VAT/sales-tax rate in percent"},
              "paymentTerms":{"type":"string","enum":["DUE_ON_RECEIPT","NET_15","NET_30","NET_45","NET_60"]},
              "category":{"type":"string","enum":["software","hardware","services","travel","office_supplies"],
                          "description":"What was bought, for the ledger"},
              "vendor":{"type":"object","properties":{
                 "name":{"type":"string","minLength":1,"description":"Legal name of the seller"},
                 "country":{"type":"string","pattern":"^[A-Z]{2}$","description":"ISO 3166-1 alpha-2 country of the seller"}},
               "required":["name","country"],"additionalProperties":false}
             },
             "required":["invoiceNumber","issueDate","dueDate","currency","total","taxRate","paymentTerms","category","vendor"],
             "additionalProperties":false}""";

    /** How the members' values for one leaf relate. */
    enum Agreement {
        /** All three give the true value. */
        UNANIMOUS,
        /** Two give the true value, one a wrong value: a strict majority, no judge. */
        SPLIT,
        /** Three different values: no majority, the judge decides. */
        NO_MAJORITY
    }

    /** The schema's leaves and how to make true and wrong values for each. */
    enum Field {
        INVOICE_NUMBER("/invoiceNumber"), ISSUE_DATE("/issueDate"), DUE_DATE("/dueDate"), CURRENCY("/currency"),
        TOTAL("/total"), TAX_RATE("/taxRate"), PAYMENT_TERMS("/paymentTerms"), CATEGORY("/category"),
        VENDOR_NAME("/vendor/name"), VENDOR_COUNTRY("/vendor/country");

        final String pointer;

        Field(String pointer) {
            this.pointer = pointer;
        }
    }

    private static final String[] CURRENCIES = {"EUR", "USD", "GBP", "CHF", "JPY"};
    private static final int[] TAX_RATES = {0, 5, 7, 10, 19, 20, 21};
    private static final String[] TERMS = {"DUE_ON_RECEIPT", "NET_15", "NET_30", "NET_45", "NET_60"};
    private static final int[] TERM_DAYS = {0, 15, 30, 45, 60};
    private static final String[] CATEGORIES = {"software", "hardware", "services", "travel", "office_supplies"};
    private static final String[] COUNTRIES = {"DE", "FR", "NL", "US", "GB", "CH", "AT"};
    private static final String[] VENDORS = {"Quillfeather Analytics GmbH", "Brightwater Tooling SARL",
            "Northgate Data Systems B.V.", "Palisade Cloud Services Inc.", "Harrow & Finch Consulting Ltd",
            "Edelweiss Hardware AG", "Lindqvist Office Supply GmbH"};
    private static final String[] CUSTOMERS = {"Marlowe Freight Ltd", "Osprey Biotech SAS", "Tamarind Retail B.V.",
            "Kestrel Mobility GmbH", "Juniper Health Inc."};
    private static final String[] ITEMS = {"Annual licence, analytics suite", "Onboarding workshop (2 days)",
            "Support plan, premium tier", "Rack server, 2U, 256 GB", "Travel expenses, site visit",
            "Ergonomic chairs", "Data migration services", "Laptop docking stations", "Consulting hours"};

    /** One ask: the document, the truth, the members' answers and the agreement plan per field. */
    record Ask(int index, String document, ObjectNode truth, List<ObjectNode> answers, List<Agreement> plan) {

        /** The prompt sent to the panel. */
        String prompt() {
            return "Extract the invoice fields from the document below. Amounts as numbers, dates as ISO 8601.\n\n"
                    + "<document>\n" + document + "</document>";
        }

        /** Whether the vote needs the judge for this ask (some leaf has no majority). */
        boolean needsJudge() {
            return plan.contains(Agreement.NO_MAJORITY);
        }

        /** The compact JSON text member {@code m} (0-based) answers. */
        String answerText(int m) {
            return answers.get(m).toString();
        }

        /** The true value at a leaf's pointer. */
        JsonNode truthAt(String pointer) {
            return truth.at(pointer);
        }
    }

    private final double unanimous;
    private final double noMajority;
    private final long seed;
    private final List<Ask> asks;

    private ExtractionWorkload(int count, double unanimous, double noMajority, long seed) {
        if (count < 1) {
            throw new IllegalArgumentException("asks must be at least 1, got " + count);
        }
        if (!(unanimous >= 0 && unanimous <= 1) || !(noMajority >= 0 && noMajority <= 1)) {
            throw new IllegalArgumentException("unanimous and noMajority are fractions in [0, 1], got "
                    + unanimous + " and " + noMajority);
        }
        if (count > 999_999) {
            throw new IllegalArgumentException("at most 999999 asks (six-digit document ids), got " + count);
        }
        this.unanimous = unanimous;
        this.noMajority = noMajority;
        this.seed = seed;
        List<Ask> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(make(i));
        }
        this.asks = List.copyOf(list);
    }

    /**
     * Builds the workload.
     *
     * @param count      number of asks
     * @param unanimous  fraction of leaves per ask on which all members agree (rounded to whole leaves)
     * @param noMajority probability that a non-unanimous leaf is a three-way disagreement (else a 2–1 split)
     * @param seed       the seed; the same arguments always give the same workload
     */
    static ExtractionWorkload of(int count, double unanimous, double noMajority, long seed) {
        return new ExtractionWorkload(count, unanimous, noMajority, seed);
    }

    List<Ask> asks() {
        return asks;
    }

    Ask ask(int index) {
        return asks.get(index);
    }

    int unanimousPerAsk() {
        return (int) Math.round(unanimous * FIELDS);
    }

    double noMajority() {
        return noMajority;
    }

    long seed() {
        return seed;
    }

    /** The ask whose document id appears in {@code text} (a prompt, or a judge prompt quoting it), or -1. */
    int indexIn(String text) {
        Matcher m = DOC_ID.matcher(text);
        if (!m.find()) {
            return -1;
        }
        int i = Integer.parseInt(m.group(1));
        return i < asks.size() ? i : -1;
    }

    private Ask make(int index) {
        Random r = new Random(seed * 1_000_003L + index);
        ObjectNode truth = truth(r);
        List<Agreement> plan = new ArrayList<>(Collections.nCopies(FIELDS, Agreement.UNANIMOUS));
        List<Integer> order = new ArrayList<>();
        for (int f = 0; f < FIELDS; f++) {
            order.add(f);
        }
        Collections.shuffle(order, r);
        for (int k = unanimousPerAsk(); k < FIELDS; k++) {
            plan.set(order.get(k), r.nextDouble() < noMajority ? Agreement.NO_MAJORITY : Agreement.SPLIT);
        }
        List<ObjectNode> answers = new ArrayList<>();
        for (int m = 0; m < MEMBERS; m++) {
            answers.add(truth.deepCopy());
        }
        Field[] fields = Field.values();
        for (int f = 0; f < FIELDS; f++) {
            Field field = fields[f];
            switch (plan.get(f)) {
                case UNANIMOUS -> { }
                case SPLIT -> set(answers.get(r.nextInt(MEMBERS)), field, wrong(truth, field, 1));
                case NO_MAJORITY -> {
                    // Who gives the truth, the first and the second wrong value: a random permutation.
                    List<Integer> who = new ArrayList<>(List.of(0, 1, 2));
                    Collections.shuffle(who, r);
                    set(answers.get(who.get(1)), field, wrong(truth, field, 1));
                    set(answers.get(who.get(2)), field, wrong(truth, field, 2));
                }
            }
        }
        return new Ask(index, document(index, truth, r), truth, List.copyOf(answers), List.copyOf(plan));
    }

    private static ObjectNode truth(Random r) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        LocalDate issue = LocalDate.of(2026, 1, 1).plusDays(r.nextInt(330));
        int term = r.nextInt(TERMS.length);
        int tax = TAX_RATES[1 + r.nextInt(TAX_RATES.length - 1)];
        BigDecimal net = BigDecimal.valueOf(20_000 + r.nextInt(2_000_000), 2);
        BigDecimal total = net.multiply(BigDecimal.valueOf(100 + tax)).divide(BigDecimal.valueOf(100), 2,
                RoundingMode.HALF_UP);
        t.put("invoiceNumber", String.format("INV-%06d", r.nextInt(1_000_000)));
        t.put("issueDate", issue.toString());
        t.put("dueDate", issue.plusDays(TERM_DAYS[term]).toString());
        t.put("currency", CURRENCIES[r.nextInt(CURRENCIES.length)]);
        t.put("total", total);
        t.put("taxRate", tax);
        t.put("paymentTerms", TERMS[term]);
        t.put("category", CATEGORIES[r.nextInt(CATEGORIES.length)]);
        ObjectNode vendor = t.putObject("vendor");
        vendor.put("name", VENDORS[r.nextInt(VENDORS.length)]);
        vendor.put("country", COUNTRIES[r.nextInt(COUNTRIES.length)]);
        return t;
    }

    /** The k-th (1 or 2) wrong value of a field: schema-valid, distinct from the truth and from the other. */
    static JsonNode wrong(ObjectNode truth, Field f, int k) {
        JsonNodeFactory n = JsonNodeFactory.instance;
        return switch (f) {
            case INVOICE_NUMBER -> {
                String s = truth.get("invoiceNumber").asText();
                int last = s.charAt(s.length() - 1) - '0';
                yield n.textNode(s.substring(0, s.length() - 1) + (char) ('0' + (last + k) % 10));
            }
            case ISSUE_DATE, DUE_DATE -> {
                LocalDate d = LocalDate.parse(truth.at(f.pointer).asText());
                yield n.textNode((k == 1 ? d.plusMonths(1) : d.minusDays(1)).toString()); // misread month; off by one
            }
            case CURRENCY -> n.textNode(other(CURRENCIES, truth.get("currency").asText(), k));
            case TOTAL -> {
                BigDecimal total = truth.get("total").decimalValue();
                BigDecimal net = total.multiply(BigDecimal.valueOf(100))
                        .divide(BigDecimal.valueOf(100 + truth.get("taxRate").intValue()), 2, RoundingMode.HALF_UP);
                yield n.numberNode(k == 1 ? net : total.movePointRight(1)); // the net amount; a misplaced point
            }
            case TAX_RATE -> {
                int tax = truth.get("taxRate").intValue();
                int at = 0;
                while (TAX_RATES[at] != tax) {
                    at++;
                }
                yield n.numberNode(TAX_RATES[(at + k) % TAX_RATES.length]);
            }
            case PAYMENT_TERMS -> n.textNode(other(TERMS, truth.get("paymentTerms").asText(), k));
            case CATEGORY -> n.textNode(other(CATEGORIES, truth.get("category").asText(), k));
            case VENDOR_NAME -> {
                String v = truth.at("/vendor/name").asText();
                // The customer taken for the seller; or the seller's parent company.
                yield n.textNode(k == 1 ? CUSTOMERS[Math.floorMod(v.hashCode(), CUSTOMERS.length)]
                        : v.replaceFirst("\\s+\\S+$", "") + " Holding");
            }
            case VENDOR_COUNTRY -> n.textNode(other(COUNTRIES, truth.at("/vendor/country").asText(), k));
        };
    }

    private static String other(String[] values, String truth, int k) {
        int at = List.of(values).indexOf(truth);
        return values[(at + k) % values.length];
    }

    private static void set(ObjectNode answer, Field f, JsonNode value) {
        ObjectNode parent = f == Field.VENDOR_NAME || f == Field.VENDOR_COUNTRY ? (ObjectNode) answer.get("vendor") : answer;
        parent.set(f.pointer.substring(f.pointer.lastIndexOf('/') + 1), value);
    }

    /** A plain-text invoice of about 1,500 characters carrying the true values (and the customer's name). */
    private static String document(int index, ObjectNode t, Random r) {
        StringBuilder sb = new StringBuilder();
        String vendor = t.at("/vendor/name").asText();
        String customer = CUSTOMERS[Math.floorMod(vendor.hashCode(), CUSTOMERS.length)];
        String cur = t.get("currency").asText();
        sb.append("Document ID: bench-doc-").append(String.format("%06d", index)).append('\n');
        sb.append(vendor).append('\n').append(1 + r.nextInt(200)).append(" Harbour Road, 4th floor, ")
                .append(t.at("/vendor/country").asText()).append('\n');
        sb.append("VAT ID ").append(t.at("/vendor/country").asText()).append(100_000_000 + r.nextInt(899_999_999))
                .append(" · Registered office as above\n\n");
        sb.append("Bill to: ").append(customer).append(", Accounts Payable, 12 Mill Lane\n\n");
        sb.append("INVOICE ").append(t.get("invoiceNumber").asText()).append('\n');
        sb.append("Issued: ").append(t.get("issueDate").asText()).append("    Due: ").append(t.get("dueDate").asText())
                .append("    Terms: ").append(t.get("paymentTerms").asText().replace('_', ' ')).append('\n');
        sb.append("Purchase order: PO-").append(10_000 + r.nextInt(89_999)).append("    Category: ")
                .append(t.get("category").asText().replace('_', ' ')).append("\n\n");
        sb.append(String.format("%-40s %5s %12s %12s%n", "Description", "Qty", "Unit", "Amount"));
        BigDecimal total = t.get("total").decimalValue();
        int tax = t.get("taxRate").intValue();
        BigDecimal net = total.multiply(BigDecimal.valueOf(100)).divide(BigDecimal.valueOf(100 + tax), 2,
                RoundingMode.HALF_UP);
        int lines = 4 + r.nextInt(3);
        BigDecimal left = net;
        for (int i = 0; i < lines; i++) {
            BigDecimal amount = i == lines - 1 ? left
                    : net.divide(BigDecimal.valueOf(lines), 2, RoundingMode.DOWN);
            left = left.subtract(amount);
            sb.append(String.format("%-40s %5d %12s %12s%n", ITEMS[r.nextInt(ITEMS.length)], 1, amount.toPlainString(),
                    amount.toPlainString()));
        }
        sb.append('\n').append(String.format("%-59s %12s%n", "Net", net.toPlainString()));
        sb.append(String.format("%-59s %12s%n", "Tax " + tax + " %", total.subtract(net).toPlainString()));
        sb.append(String.format("%-59s %12s%n", "Total due (" + cur + ")", total.toPlainString()));
        sb.append("\nPlease quote the invoice number with your payment. Late payments may incur interest at the\n")
                .append("statutory rate. Questions about this invoice: billing@").append(vendor.split(" ")[0].toLowerCase())
                .append(".example\n");
        return sb.toString();
    }

    /** Parses JSON text (for tests and the server's judge). */
    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }
}
