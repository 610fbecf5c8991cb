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
 * expire (an instance dies and its lease runs out, in script time: {@code now} is passed in), stale
 * replays, and headroom (asked for, kept in part, granted locally from, given back; squeezes), from
 * several simulated instances that follow RedisSpendAccount's rules. After every step: no total is
 * negative, each total equals the sum of the live instances' parts, spent + reserved + headroom never
 * exceeds the cap, and Redis counts at least what every live instance has reserved and spent.
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
        /** What the last applied reply said Redis counts for it: reservations, headroom, spend. */
        long rPub;
        long head;
        long sPub;
        boolean dead;
        String[] lastArgs;

        Inst(String id) {
            this.id = id;
        }

        /** Unused room of its claim: what it may still grant locally. */
        long room() {
            return Math.max(0, rPub + head + sPub - outstanding - spent);
        }
    }

    @Test
    void randomInterleavingsKeepTheTotalsBetweenZeroAndTheCap() {
        int squeezes = 0;
        for (long seed = 1; seed <= 12; seed++) {
            squeezes += run(seed);
        }
        assertThat(squeezes).as("reservations refused only because of headroom held, over all seeds").isPositive();
    }

    /** Returns how many reservations were refused only because of headroom held. */
    private int run(long seed) {
        Random rnd = new Random(seed);
        String ns = "prop" + seed;
        String[] keys = {ns + ":res", ns + ":lease", ns + ":w0", ns + ":squeeze"};
        long cap = 1_000 + rnd.nextInt(5_000);
        long now = 1_000_000;
        List<Inst> insts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            insts.add(new Inst("i" + i));
        }
        int squeezes = 0;
        for (int step = 0; step < 200; step++) {
            Inst in = insts.get(rnd.nextInt(insts.size()));
            now += rnd.nextInt(50);
            if (in.dead) {
                continue;
            }
            int op = rnd.nextInt(12);
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
                if (rnd.nextBoolean()) {
                    check(keys, cap, insts, seed, step); // settled locally, not yet published
                    continue;
                }
            } else if (op == 7) {
                in.dead = true; // kill -9: it never speaks again; its lease runs out while the others renew
                for (int t = 0; t < 4; t++) {
                    now += LEASE / 3 + 1;
                    for (Inst other : insts) {
                        if (!other.dead) {
                            publish(keys, cap, other, now, 0, other.room(), List.of());
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
            } else if (op >= 9) {
                // Local grants from the claim (no call), as many as fit.
                for (int k = rnd.nextInt(4) + 1; k > 0; k--) {
                    long a = (long) rnd.nextInt((int) (cap / 4)) + 1;
                    if (a <= in.room()) {
                        in.outstanding += a;
                    }
                }
                check(keys, cap, insts, seed, step);
                continue;
            }
            long want = rnd.nextInt(3) == 0 ? 0 : (long) rnd.nextInt((int) cap);
            long keep = rnd.nextInt(4) == 0 ? in.room() + rnd.nextInt(500) : (long) rnd.nextInt((int) in.room() + 1);
            List<Object> reply = publish(keys, cap, in, now, want, keep, asks);
            boolean squeezed = (Long) reply.get(6) == 1L;
            for (int i = 0; i < asks.size(); i++) {
                long code = (Long) reply.get(7 + i);
                if (code == 2) {
                    squeezes++;
                    assertThat(squeezed).as("a reservation refused because of headroom raises the squeeze").isTrue();
                }
            }
            if (squeezed) {
                assertThat(in.head).as("no headroom grows under a squeeze, seed %d step %d", seed, step)
                        .isLessThanOrEqualTo(keep);
            }
            // Live instances renew their leases now and then, as the renewal timer does.
            for (Inst other : insts) {
                if (!other.dead && other != in && rnd.nextInt(3) == 0) {
                    publish(keys, cap, other, now, rnd.nextBoolean() ? 0 : other.head, other.room(), List.of());
                }
            }
            check(keys, cap, insts, seed, step);
        }
        return squeezes;
    }

    /** One publication, as RedisSpendAccount sends it; the instance's view follows the applied reply. */
    private List<Object> publish(String[] keys, long cap, Inst in, long now, long want, long keep, List<Long> asks) {
        String[] args = new String[11 + asks.size()];
        args[0] = in.id;
        args[1] = Long.toString(++in.version);
        args[3] = Long.toString(LEASE);
        args[4] = Long.toString(cap);
        args[5] = Long.toString(in.outstanding);
        args[6] = Long.toString(in.spent);
        args[7] = "0";
        args[8] = Long.toString(keep);
        args[9] = Long.toString(want);
        args[10] = "2"; // a squeeze lasts 2 ms of Redis's clock here, so later steps can grow headroom again
        for (int i = 0; i < asks.size(); i++) {
            args[11 + i] = Long.toString(asks.get(i));
        }
        List<Object> reply = call(keys, args, now);
        in.lastArgs = args;
        assertThat(reply.get(0)).isEqualTo(1L);
        for (int i = 0; i < asks.size(); i++) {
            if ((Long) reply.get(7 + i) == 1L) {
                in.outstanding += asks.get(i);
            }
        }
        in.rPub = Long.parseLong(String.valueOf(reply.get(4)));
        in.head = Long.parseLong(String.valueOf(reply.get(5)));
        in.sPub = in.spent;
        assertThat(in.rPub).as("the reply's reservations are what it published plus its grants").isEqualTo(in.outstanding);
        return reply;
    }

    private List<Object> call(String[] keys, String[] args, long now) {
        String[] a = args.clone();
        a[2] = Long.toString(now);
        return link.eval(Script.SPEND, keys, a).block(Duration.ofSeconds(10));
    }

    private void check(String[] keys, long cap, List<Inst> insts, long seed, int step) {
        long reserved = num(REDIS.command("HGET " + keys[0] + " t"));
        long head = num(REDIS.command("HGET " + keys[0] + " ht"));
        long spent = num(REDIS.command("HGET " + keys[2] + " t"));
        String at = "seed " + seed + " step " + step;
        assertThat(reserved).as("reserved total, " + at).isGreaterThanOrEqualTo(0);
        assertThat(head).as("headroom total, " + at).isGreaterThanOrEqualTo(0);
        assertThat(spent).as("spent total, " + at).isGreaterThanOrEqualTo(0);
        assertThat(spent + reserved + head).as("spent + reserved + headroom vs cap " + cap + ", " + at)
                .isLessThanOrEqualTo(cap);
        long live = 0;
        long liveHead = 0;
        long spentSum = 0;
        for (Inst in : insts) {
            String r = REDIS.command("HGET " + keys[0] + " r:" + in.id);
            long h = num(REDIS.command("HGET " + keys[0] + " h:" + in.id));
            long s = num(REDIS.command("HGET " + keys[2] + " s:" + in.id));
            live += num(r);
            liveHead += h;
            if (!in.dead && r != null && !r.startsWith("$")) {
                assertThat(num(r)).as("instance %s's reservations, %s", in.id, at).isEqualTo(in.rPub);
                assertThat(h).as("instance %s's headroom, %s", in.id, at).isEqualTo(in.head);
                assertThat(num(r) + h + s).as("Redis counts at least what instance %s reserved and spent, %s", in.id, at)
                        .isGreaterThanOrEqualTo(in.outstanding + in.spent);
            }
            spentSum += s;
        }
        assertThat(reserved).as("reserved total = sum of the instances' reservations, " + at).isEqualTo(live);
        assertThat(head).as("headroom total = sum of the instances' headroom, " + at).isEqualTo(liveHead);
        assertThat(spent).as("spent total = sum of the instances' spend, " + at).isEqualTo(spentSum);
    }

    private static long num(String reply) {
        return reply == null || reply.isEmpty() || reply.startsWith("$") ? 0 : Long.parseLong(reply);
    }
}
