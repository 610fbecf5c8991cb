package dev.fusion.cost;

/** Where a call's cost figure came from. */
public enum CostSource {
    /** Computed from the usage and the price book (a provider-reported figure may sit beside it). */
    COMPUTED,
    /** Only the provider's own figure is known (no price in the book). */
    PROVIDER_REPORTED,
    /** No price and no reported figure: the cost is unknown, never assumed to be zero. */
    UNPRICED
}
