package dev.fusion.redis.internal;

import dev.fusion.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * spend.lua against a real Redis, driven by random interleavings of reserve / settle / release /
 * expire (an instance dies and its lease runs out, in script time: {@code now} is passed in) and
 * stale replays, from several simulated instances. After every step: the reserved total is never
 * negative, equals the live instances' reservations, and spent + reserved never exceeds the cap.
 */
class SpendScriptPropertyTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    static final long LEASE = 1000;
    static Scheduler scheduler;
    static RedisLink link;

    @BeforeAll
    static void connect() {
        scheduler = Schedulers.newSingle("test-redis", true);
        link = new RedisLink(REDIS.url(), Duration.ofSeconds(5));
    }

    @AfterAll
    static void close() {
        link.close();
        scheduler.dispose();
    }

    /** One simulated instance's own view, as RedisSpendAccount keeps it. */
    static final class Inst {
        final String id;
        long version;
        long outstanding;
        long spent;
        boolean dead;
        String[] lastArgs;

        Inst(String id) {
            this.id = id;
        }
    }

    @Test
    void randomInterleavingsKeepTheTotalsBetweenZeroAndTheCap() {
        for (long seed = 1; seed <= 8; seed++) {
            run(seed);
        }
    }

    private void run(long seed) {
        Random rnd = new Random(seed);
        String ns = "prop" + seed;
        String[] keys = {ns + ":res", ns + ":lease", ns + ":w0"};
        long cap = 1_000 + rnd.nextInt(5_000);
        long now = 1_000_000;
        List<Inst> insts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            insts.add(new Inst("i" + i));
        }
        for (int step = 0; step < 120; step++) {
            Inst in = insts.get(rnd.nextInt(insts.size()));
            now += rnd.nextInt(50);
            if (in.dead) {
                continue;
            }
            int op = rnd.nextInt(10);
            List<Long> asks = new ArrayList<>();
            if (op < 4) {
                for (int k = rnd.nextInt(3) + 1; k > 0; k--) {
                    asks.add((long) rnd.nextInt((int) (cap / 2)) + 1);
                }
            } else if (op < 7 && in.outstanding > 0) {
                long part = 1 + (long) rnd.nextInt((int) Math.min(in.outstanding, Integer.MAX_VALUE));
                long actual = op == 6 ? 0 : (long) rnd.nextInt((int) part + 1); // release = settle with 0
                in.outstanding -= part;
                in.spent += actual;
            } else if (op == 7) {
                in.dead = true; // kill -9: it never speaks again; its lease runs out while the others renew
                for (int t = 0; t < 4; t++) {
                    now += LEASE / 3 + 1;
                    for (Inst other : insts) {
                        if (!other.dead) {
                            renew(keys, cap, other, now);
                        }
                    }
                }
                check(keys, cap, insts, seed, step);
                continue;
            } else if (op == 8 && in.lastArgs != null) {
                List<Object> stale = call(keys, in.lastArgs, now);
                assertThat(stale.get(0)).as("a replayed older version is ignored").isEqualTo(0L);
                check(keys, cap, insts, seed, step);
                continue;
            }
            String[] args = new String[8 + asks.size()];
            args[0] = in.id;
            args[1] = Long.toString(++in.version);
            args[3] = Long.toString(LEASE);
            args[4] = Long.toString(cap);
            args[5] = Long.toString(in.outstanding);
            args[6] = Long.toString(in.spent);
            args[7] = "0";
            for (int i = 0; i < asks.size(); i++) {
                args[8 + i] = Long.toString(asks.get(i));
            }
            List<Object> reply = call(keys, args, now);
            in.lastArgs = args;
            assertThat(reply.get(0)).isEqualTo(1L);
            for (int i = 0; i < asks.size(); i++) {
                if ((Long) reply.get(3 + i) == 1L) {
                    in.outstanding += asks.get(i);
                }
            }
            // Live instances renew their leases now and then, as the renewal timer does.
            for (Inst other : insts) {
                if (!other.dead && other != in && rnd.nextInt(3) == 0) {
                    renew(keys, cap, other, now);
                }
            }
            check(keys, cap, insts, seed, step);
        }
    }

    private void renew(String[] keys, long cap, Inst in, long now) {
        String[] renew = {in.id, Long.toString(++in.version), "", Long.toString(LEASE), Long.toString(cap),
                Long.toString(in.outstanding), Long.toString(in.spent), "0"};
        assertThat(call(keys, renew, now).get(0)).isEqualTo(1L);
        in.lastArgs = renew;
    }

    private List<Object> call(String[] keys, String[] args, long now) {
        String[] a = args.clone();
        a[2] = Long.toString(now);
        return link.eval(Script.SPEND, keys, a).block(Duration.ofSeconds(10));
    }

    private void check(String[] keys, long cap, List<Inst> insts, long seed, int step) {
        long reserved = num(REDIS.command("HGET " + keys[0] + " t"));
        long spent = num(REDIS.command("HGET " + keys[2] + " t"));
        String at = "seed " + seed + " step " + step;
        assertThat(reserved).as("reserved total, " + at).isGreaterThanOrEqualTo(0);
        assertThat(spent).as("spent total, " + at).isGreaterThanOrEqualTo(0);
        assertThat(spent + reserved).as("spent + reserved vs cap " + cap + ", " + at).isLessThanOrEqualTo(cap);
        long live = 0;
        long spentSum = 0;
        for (Inst in : insts) {
            String r = REDIS.command("HGET " + keys[0] + " r:" + in.id);
            live += num(r);
            if (!in.dead && r != null && !r.startsWith("$")) {
                assertThat(num(r)).as("instance %s's reservations, %s", in.id, at).isEqualTo(in.outstanding);
            }
            spentSum += num(REDIS.command("HGET " + keys[2] + " s:" + in.id));
        }
        assertThat(reserved).as("reserved total = sum of the instances' reservations, " + at).isEqualTo(live);
        assertThat(spent).as("spent total = sum of the instances' spend, " + at).isEqualTo(spentSum);
    }

    private static long num(String reply) {
        return reply == null || reply.isEmpty() || reply.startsWith("$") ? 0 : Long.parseLong(reply);
    }
}
