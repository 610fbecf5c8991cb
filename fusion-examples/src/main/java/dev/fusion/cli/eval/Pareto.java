package dev.fusion.cli.eval;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The Pareto front over (score: higher is better, cost: lower is better). A system is on the front
 * when no other system has a score at least as high and a cost at least as low, with one strictly
 * better. Systems with an unknown cost (null) are never on the front and never dominate.
 */
public final class Pareto {

    private Pareto() {
    }

    /** A point: a system's score and total cost (null when unpriced). */
    public record Point(String name, double score, BigDecimal cost) {
    }

    /** Names of the systems on the front, in input order. */
    public static List<String> front(List<Point> points) {
        List<String> front = new ArrayList<>();
        for (Point p : points) {
            if (p.cost() == null) {
                continue;
            }
            boolean dominated = false;
            for (Point q : points) {
                if (q == p || q.cost() == null) {
                    continue;
                }
                boolean noWorse = q.score() >= p.score() && q.cost().compareTo(p.cost()) <= 0;
                boolean better = q.score() > p.score() || q.cost().compareTo(p.cost()) < 0;
                if (noWorse && better) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(p.name());
            }
        }
        return front;
    }
}
