# One line of bench/run.sh's table: the figure `fig` of the row `row` from the raw results
# ("<row> <lib> <rep> key=value ..."). Medians per library, the median of the paired ratios
# Culex / libmosquitto, and the noise (half the max-min spread over the median) per library.
function sort(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) {
        t = a[i]
        for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
}
function median(a, n) {
    if (n == 0) return ""
    sort(a, n)
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function noise(a, n,    m) {
    if (n < 2) return "n/a"
    m = median(a, n)        # sorts a
    if (m == 0) return "n/a"
    return sprintf("±%.0f%%", 50 * (a[n] - a[1]) / m)
}
function fmt(v) {
    if (v == "") return "—"
    if (v >= 1000) return sprintf("%.0f", v)
    if (v >= 10) return sprintf("%.1f", v)
    if (v >= 1) return sprintf("%.2f", v)
    return sprintf("%.3f", v)
}
function copy(src, dst, n,    i) { for (i = 1; i <= n; i++) dst[i] = src[i] }
$1 == row {
    lib = $2; rep = $3
    if ($4 == "FAILED") { failed[lib]++; next }
    for (i = 4; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == fig) { val[lib, rep] = kv[2]; reps[rep] = 1; v[lib, ++n[lib]] = kv[2] }
        if (kv[1] == "msgs_per_s") { rate[lib, ++nr[lib]] = kv[2] }
        if (kv[1] == "maxrss_kb") { rss[lib, ++ns[lib]] = kv[2] }
    }
}
function column(arr, lib, cnt,    i, tmp) {
    for (i = 1; i <= cnt; i++) tmp[i] = arr[lib, i]
    return median(tmp, cnt)
}
function spread(lib,    i, tmp) {
    for (i = 1; i <= n[lib]; i++) tmp[i] = v[lib, i]
    return noise(tmp, n[lib])
}
END {
    if (n["raw"] > 0) {
        m = fmt(column(v, "raw", n["raw"]))
        printf "| %s | %s (raw socket, no library) | %s | %s | — | %s | %s | %s |\n", row, fig, m, m,
            spread("raw"), fmt(column(rate, "raw", nr["raw"])), fmt(column(rss, "raw", ns["raw"]))
        exit
    }
    lm = column(v, "libmosquitto", n["libmosquitto"])
    cx = column(v, "culex", n["culex"])
    k = 0
    for (r in reps) {
        if (((("libmosquitto", r) in val)) && (("culex", r) in val) && val["libmosquitto", r] > 0)
            ratios[++k] = val["culex", r] / val["libmosquitto", r]
    }
    ratio = k ? sprintf("%.2f", median(ratios, k)) : "—"
    fails = ""
    if (failed["libmosquitto"] + failed["culex"] > 0)
        fails = sprintf(" (failed runs: lm %d, Culex %d)", failed["libmosquitto"], failed["culex"])
    printf "| %s | %s | %s | %s | %s | %s / %s%s | %s / %s | %s / %s |\n", row, fig, fmt(lm), fmt(cx), ratio,
        spread("libmosquitto"), spread("culex"), fails,
        fmt(column(rate, "libmosquitto", nr["libmosquitto"])), fmt(column(rate, "culex", nr["culex"])),
        fmt(column(rss, "libmosquitto", ns["libmosquitto"])), fmt(column(rss, "culex", ns["culex"]))
}
