package dev.fusion.cli.tune.internal;

import dev.fusion.Redactor;
import dev.fusion.cli.tune.AnswerStore;
import dev.fusion.cli.tune.CachedAnswer;
import dev.fusion.cli.tune.CallKind;
import dev.fusion.cli.tune.PendingCall;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelResponse;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The answer cache of {@code fusion tune}: one SQLite file (usually {@code data.tune.sqlite} beside
 * the data), one row per call in table {@code calls}, keyed by the call's content address. Costs are
 * stored as decimal text (never a float; NULL when unknown). Inspect it with
 * {@code sqlite3 data.tune.sqlite 'select kind, model, cost_usd, latency_ms from calls'}.
 *
 * <p>Thread-safe: reads come from an in-memory copy loaded at open; writes go to the file at once
 * (auto-commit), under one lock, so an interrupted run keeps every answer it was sent.
 */
public final class SqliteAnswerStore implements AnswerStore, AutoCloseable {

    private static final int MAX_ERROR_CHARS = 500;

    private final Connection db;
    private final Map<String, CachedAnswer> rows = new ConcurrentHashMap<>();

    private SqliteAnswerStore(Connection db) throws SQLException {
        this.db = db;
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("CREATE TABLE IF NOT EXISTS calls ("
                    + "key TEXT PRIMARY KEY, kind TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,"
                    + " status TEXT NOT NULL, answer TEXT NOT NULL,"
                    + " input_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER,"
                    + " cache_write_1h_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER,"
                    + " usage_reported INTEGER NOT NULL, cost_usd TEXT, latency_ms INTEGER NOT NULL,"
                    + " finish_reason TEXT, error TEXT, batch INTEGER NOT NULL, created_at TEXT NOT NULL)");
            try (ResultSet rs = st.executeQuery("SELECT * FROM calls")) {
                while (rs.next()) {
                    CachedAnswer a = read(rs);
                    if (a.ok()) {
                        rows.put(a.key(), a); // a failure of an earlier run is asked again (and replaced)
                    }
                }
            }
        }
    }

    /** Opens (creating when needed) the cache file. */
    public static SqliteAnswerStore open(Path file) {
        try {
            Path abs = file.toAbsolutePath();
            if (abs.getParent() != null) {
                java.nio.file.Files.createDirectories(abs.getParent());
            }
            return new SqliteAnswerStore(DriverManager.getConnection("jdbc:sqlite:" + abs));
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("cannot open the answer cache " + file + ": " + e.getMessage(), e);
        }
    }

    private static CachedAnswer read(ResultSet rs) throws SQLException {
        boolean reported = rs.getInt("usage_reported") != 0;
        Usage u = reported ? new Usage(rs.getLong("input_tokens"), rs.getLong("cache_read_tokens"),
                rs.getLong("cache_write_tokens"), rs.getLong("cache_write_1h_tokens"), rs.getLong("output_tokens"),
                rs.getLong("reasoning_tokens")) : Usage.ZERO;
        String cost = rs.getString("cost_usd");
        return new CachedAnswer(rs.getString("key"), CallKind.valueOf(rs.getString("kind")), rs.getString("provider"),
                rs.getString("model"), "ok".equals(rs.getString("status")), rs.getString("answer"), u, reported,
                cost == null ? null : new BigDecimal(cost), rs.getLong("latency_ms"), rs.getString("finish_reason"),
                rs.getString("error"), rs.getInt("batch") != 0);
    }

    @Override
    public Optional<CachedAnswer> find(String key) {
        return Optional.ofNullable(rows.get(key));
    }

    /** Every stored outcome (a snapshot). */
    public List<CachedAnswer> all() {
        return new ArrayList<>(rows.values());
    }

    @Override
    public void putAnswer(PendingCall call, ModelResponse r, BigDecimal costUsd, long latencyMs, boolean batch) {
        put(new CachedAnswer(call.key(), call.kind(), call.model().ref().provider(), call.model().ref().model(), true,
                r.text(), r.usage(), r.usageReported(), costUsd, latencyMs, r.finishReason(), null, batch));
    }

    @Override
    public void putFailure(PendingCall call, String error, BigDecimal costUsd, long latencyMs, boolean batch) {
        String e = Redactor.redact(error == null ? "failed" : error);
        if (e.length() > MAX_ERROR_CHARS) {
            e = e.substring(0, MAX_ERROR_CHARS) + "...";
        }
        put(new CachedAnswer(call.key(), call.kind(), call.model().ref().provider(), call.model().ref().model(), false,
                "", Usage.ZERO, false, costUsd, latencyMs, null, e, batch));
    }

    private synchronized void put(CachedAnswer a) {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO calls (key, kind, provider, model, status,"
                + " answer, input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,"
                + " reasoning_tokens, usage_reported, cost_usd, latency_ms, finish_reason, error, batch, created_at)"
                + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, a.key());
            ps.setString(2, a.kind().name());
            ps.setString(3, a.provider());
            ps.setString(4, a.model());
            ps.setString(5, a.ok() ? "ok" : "failed");
            ps.setString(6, a.text());
            Usage u = a.usage();
            Object[] tokens = a.usageReported()
                    ? new Object[] {u.input(), u.cacheRead(), u.cacheWrite(), u.cacheWrite1h(), u.output(), u.reasoning()}
                    : new Object[6];
            for (int i = 0; i < 6; i++) {
                ps.setObject(7 + i, tokens[i]);
            }
            ps.setInt(13, a.usageReported() ? 1 : 0);
            ps.setString(14, a.costUsd() == null ? null : a.costUsd().toPlainString());
            ps.setLong(15, a.latencyMs());
            ps.setString(16, a.finishReason());
            ps.setString(17, a.error());
            ps.setInt(18, a.batch() ? 1 : 0);
            ps.setString(19, Instant.now().toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the answer cache: " + e.getMessage(), e);
        }
        rows.put(a.key(), a);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing at exit: nothing left to save
        }
    }
}
