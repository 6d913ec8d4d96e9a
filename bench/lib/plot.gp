# One clustered bar chart: a row per group (first column, its label), a bar
# per allocator (the other columns, named by the header row; "-" missing).
#   gnuplot -e "data='ns.dat'; out='ns.png'; ttl='...'; ylab='...'; ncol=6; nrow=9; logy=1; ref=0" plot.gp
# ncol: the columns of the data (1 + allocators); nrow: its rows less the
# header; logy: logarithmic y axis;
# ref: a dashed line at y = 1 (for ratios).
set terminal pngcairo size 1100,560 font "sans,10" noenhanced
set output out
set title ttl
set ylabel ylab
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "-"
set key outside bottom center horizontal noenhanced
set xtics rotate by -25 nomirror noenhanced
set grid ytics
set yrange [*:*]
set xrange [-0.5:nrow - 0.5]
if (logy) set logscale y
if (ref) set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linewidth 1.5
plot for [i=2:ncol] data using i:xtic(1) title columnheader(i)
