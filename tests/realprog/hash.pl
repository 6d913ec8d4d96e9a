# A hash of 300,000 keys: filled, summed, half deleted, summed again.
use strict;
use warnings;
my %h;
$h{"k$_"} = [$_, 'v' x ($_ % 50)] for 1 .. 300000;
my $s = 0;
$s += $h{"k$_"}[0] for 1 .. 300000;
delete $h{"k$_"} for grep { $_ % 2 } 1 .. 300000;
my $left = 0;
$left += length($h{$_}[1]) for keys %h;
print scalar(keys %h), " $s $left\n";
