package dev.fusion.embeddings;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CliquesTest {

    private static boolean[][] graph(int n, int[][] edges) {
        boolean[][] g = new boolean[n][n];
        for (int[] e : edges) {
            g[e[0]][e[1]] = g[e[1]][e[0]] = true;
        }
        return g;
    }

    private static double[][] sims(int n, double base) {
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = i == j ? 1 : base;
            }
        }
        return s;
    }

    @Test
    void aChainIsNotAGroup() {
        // 0~1 and 1~2 but not 0~2: a star around 1 would claim all three agree; a clique has two.
        assertThat(Cliques.largest(graph(3, new int[][]{{0, 1}, {1, 2}}), sims(3, 0.9))).hasSize(2);
    }

    @Test
    void theLargestCliqueWinsWhateverItsPosition() {
        boolean[][] g = graph(6, new int[][]{{0, 1}, {2, 3}, {2, 4}, {2, 5}, {3, 4}, {3, 5}, {4, 5}});
        assertThat(Cliques.largest(g, sims(6, 0.9))).containsExactlyInAnyOrder(2, 3, 4, 5);
    }

    @Test
    void theRepresentativeIsTheMostCentralMember() {
        double[][] s = sims(3, 0.9);
        s[1][0] = s[0][1] = 0.95;
        s[1][2] = s[2][1] = 0.97;
        assertThat(Cliques.largest(graph(3, new int[][]{{0, 1}, {1, 2}, {0, 2}}), s)).containsExactly(1, 0, 2);
    }

    @Test
    void tiesGoToTheCloserThenTheEarlierGroup() {
        boolean[][] g = graph(4, new int[][]{{0, 1}, {2, 3}});
        assertThat(Cliques.largest(g, sims(4, 0.9))).containsExactly(0, 1);
        double[][] s = sims(4, 0.9);
        s[2][3] = s[3][2] = 0.99;
        assertThat(Cliques.largest(g, s)).containsExactly(2, 3);
    }

    @Test
    void nothingAgreesGivesOneAnswer() {
        assertThat(Cliques.largest(new boolean[3][3], sims(3, 0.1))).hasSize(1);
    }
}
