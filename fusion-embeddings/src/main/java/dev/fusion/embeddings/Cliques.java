package dev.fusion.embeddings;

import java.util.ArrayList;
import java.util.List;

/** The largest group in which every pair agrees (maximum clique; panels are small, so exact search is cheap). */
final class Cliques {

    private Cliques() {
    }

    /**
     * The largest clique of {@code agree}; ties go to the higher mean pairwise similarity, then to the
     * earlier indexes. The first element is the member with the highest total similarity to the others
     * (ties: the lower index), the rest follow in index order. A single answer when nothing agrees.
     */
    static List<Integer> largest(boolean[][] agree, double[][] sim) {
        int n = agree.length;
        List<List<Integer>> maximal = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        bronKerbosch(agree, new ArrayList<>(), all, new ArrayList<>(), maximal);
        List<Integer> best = List.of();
        double bestMean = -2;
        for (List<Integer> c : maximal) { // each clique lists its members in ascending order
            double mean = meanSimilarity(c, sim);
            if (c.size() > best.size() || c.size() == best.size() && (mean > bestMean
                    || mean == bestMean && lexicographicallyBefore(c, best))) {
                best = c;
                bestMean = mean;
            }
        }
        if (best.isEmpty()) {
            return n == 0 ? List.of() : List.of(0);
        }
        int rep = best.get(0);
        double repScore = Double.NEGATIVE_INFINITY;
        for (int i : best) {
            double s = 0;
            for (int j : best) {
                if (j != i) {
                    s += sim[i][j];
                }
            }
            if (s > repScore) {
                repScore = s;
                rep = i;
            }
        }
        List<Integer> out = new ArrayList<>();
        out.add(rep);
        for (int i : best) {
            if (i != rep) {
                out.add(i);
            }
        }
        return out;
    }

    private static void bronKerbosch(boolean[][] g, List<Integer> r, List<Integer> p, List<Integer> x,
                                     List<List<Integer>> out) {
        if (p.isEmpty() && x.isEmpty()) {
            List<Integer> c = new ArrayList<>(r);
            c.sort(null);
            out.add(c);
            return;
        }
        // Pivot on the vertex with the most neighbours in P.
        int pivot = -1, most = -1;
        for (List<Integer> side : List.of(p, x)) {
            for (int u : side) {
                int k = 0;
                for (int v : p) {
                    if (g[u][v]) {
                        k++;
                    }
                }
                if (k > most) {
                    most = k;
                    pivot = u;
                }
            }
        }
        for (int v : new ArrayList<>(p)) {
            if (pivot >= 0 && g[pivot][v]) {
                continue;
            }
            List<Integer> r2 = new ArrayList<>(r);
            r2.add(v);
            bronKerbosch(g, r2, neighbours(g, v, p), neighbours(g, v, x), out);
            p.remove(Integer.valueOf(v));
            x.add(v);
        }
    }

    private static List<Integer> neighbours(boolean[][] g, int v, List<Integer> of) {
        List<Integer> out = new ArrayList<>();
        for (int u : of) {
            if (g[v][u]) {
                out.add(u);
            }
        }
        return out;
    }

    private static double meanSimilarity(List<Integer> c, double[][] sim) {
        if (c.size() < 2) {
            return 0;
        }
        double s = 0;
        int k = 0;
        for (int a = 0; a < c.size(); a++) {
            for (int b = a + 1; b < c.size(); b++) {
                s += sim[c.get(a)][c.get(b)];
                k++;
            }
        }
        return s / k;
    }

    private static boolean lexicographicallyBefore(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return a.get(i) < b.get(i);
            }
        }
        return a.size() < b.size();
    }
}
