#!/usr/bin/perl
# Writes the browser tests' GeoIP database to the file given as argument, with MaxMind's writer
# (libmaxmind-db-writer-perl), in the GeoIP2-City shape: 127.0.0.0/8 (and ::1) -> RU, Moscow.
# A headless browser on this machine then reaches geogate from 127.0.0.1 and is a reader in
# Russia without any forwarding header (the tests run geogate with trusted_proxies = []).
# Deterministic: fixed build_epoch, sorted map keys.
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $file = shift @ARGV or die "usage: $0 OUTPUT.mmdb\n";

my %types = (
    city => 'map', country => 'map', names => 'map',
    subdivisions => [ 'array', 'map' ],
    iso_code => 'utf8_string', en => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 28,
    database_type            => 'GeoIP2-City',
    languages                => ['en'],
    description              => { en => 'geogate browser test database (loopback is RU)' },
    map_key_type_callback    => sub { $types{ $_[0] } // die "no type for key $_[0]\n" },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4       => 1,
    _build_epoch             => 1700000000,
);
my $moscow = {
    country      => { iso_code => 'RU', names => { en => 'Russia' } },
    subdivisions => [ { iso_code => 'MOW', names => { en => 'Moscow' } } ],
    city         => { names => { en => 'Moscow' } },
};
$tree->insert_network( '127.0.0.0/8', $moscow );
$tree->insert_network( '::1/128',     $moscow );

my $tmp = "$file.tmp";
open my $fh, '>:raw', $tmp or die "$tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "$tmp: $!\n";
rename $tmp, $file or die "$file: $!\n";
