#!/usr/bin/perl
# Writes geogate's GeoIP test databases into the directory given as argument, with MaxMind's
# writer (libmaxmind-db-writer-perl). Deterministic: fixed build_epoch, and the serializer sorts
# map keys (run with PERL_HASH_SEED=0 anyway). Networks are documentation ranges
# (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), so nothing here describes a real address.
#
#   geogate-city-geoip2.mmdb   GeoIP2-City shape (country.iso_code, subdivisions[].iso_code)
#   geogate-city-flat.mmdb     flat shape of free databases (country_code, state1, city)
#   geogate-city-flat-v2.mmdb  the flat one with 198.51.100.0/24 moved to PL (reload tests)
#   geogate-ipv4-only.mmdb     ip_version 4, flat shape: 198.51.100.0/24 -> FR
#   geogate-ipv6-only.mmdb     ip_version 6 holding IPv6 networks only: 2001:db8::/32 -> JP
#   geogate-anonymous-ip.mmdb  GeoIP2-Anonymous-IP shape (is_anonymous, is_tor_exit_node, ...)
use strict;
use warnings;
use utf8;

use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUTPUT_DIR\n";
my $epoch = 1700000000; # 2023-11-14T22:13:20Z

my %types = (
    city => 'map', country => 'map', names => 'map', continent => 'map',
    subdivisions => [ 'array', 'map' ],
    iso_code => 'utf8_string', code => 'utf8_string', en => 'utf8_string',
    country_code => 'utf8_string', state1 => 'utf8_string', state2 => 'utf8_string',
    postcode => 'utf8_string', timezone => 'utf8_string',
    latitude => 'float', longitude => 'float',
    is_anonymous => 'boolean', is_anonymous_vpn => 'boolean', is_tor_exit_node => 'boolean',
    is_hosting_provider => 'boolean', is_public_proxy => 'boolean',
    is_residential_proxy => 'boolean',
);

sub write_db {
    my ( $file, $type, $ip_version, $networks ) = @_;
    # "city" is a map in the GeoIP2 shape and a string in the flat one.
    my %t = ( %types, city => ( $type =~ /^GeoIP2/ ? 'map' : 'utf8_string' ) );
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => $ip_version,
        record_size              => 28,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => "geogate test database ($type)" },
        map_key_type_callback    => sub { $t{ $_[0] } // die "no type for key $_[0]\n" },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4       => $ip_version == 6 ? 1 : 0,
        _build_epoch             => $epoch,
    );
    for ( my $i = 0; $i < @$networks; $i += 2 ) {
        $tree->insert_network( $networks->[$i], $networks->[ $i + 1 ] );
    }
    my $tmp = "$out/$file.tmp";
    open my $fh, '>:raw', $tmp or die "$tmp: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$tmp: $!\n";
    rename $tmp, "$out/$file" or die "$out/$file: $!\n";
}

sub geo {
    my ( $cc, $subs, $city ) = @_;
    my %r = ( country => { iso_code => $cc, names => { en => $cc } } );
    $r{subdivisions} = [ map { { iso_code => $_->[0], names => { en => $_->[1] } } } @$subs ]
        if @$subs;
    $r{city} = { names => { en => $city } } if defined $city;
    return \%r;
}

# The three vendor views of Sevastopol and friends, in the GeoIP2 shape.
write_db( 'geogate-city-geoip2.mmdb', 'GeoIP2-City', 6, [
    '198.51.100.0/28'   => geo( 'UA', [ [ '40', 'Sevastopol' ] ], 'Sevastopol' ),
    '198.51.100.16/28'  => geo( 'RU', [ [ 'SEV', 'Sevastopol' ] ], 'Sevastopol' ),
    '198.51.100.32/28'  => geo( 'RU', [ [ 'CR', 'Republic of Crimea' ] ], 'Simferopol' ),
    '198.51.100.48/28'  => geo( 'RU', [], 'Sevastopol' ),
    '198.51.100.64/28'  => geo( 'RU', [] ),
    '198.51.100.80/28'  => geo( 'RU', [ [ 'MOW', 'Moscow' ] ], 'Moscow' ),
    '198.51.100.96/28'  => geo( 'UA', [ [ '43', 'Crimea' ] ], 'Yalta' ),
    '198.51.100.112/28' => geo( 'RU', [ [ 'DPR', "Donetsk People's Republic" ] ], 'Donetsk' ),
    '198.51.100.128/28' => geo( 'GB', [ [ 'ENG', 'England' ], [ 'WSM', 'Westminster' ] ] ),
    '198.51.100.144/28' => geo( 'RU', [ [ 'LUG', 'Lugansk Oblast' ] ] ),
    '198.51.100.160/28' => geo( 'RU', [ [ 'KHE', 'Kherson Oblast' ] ] ),
    '198.51.100.176/28' => geo( 'UA', [ [ '14', 'Donetsk Oblast' ] ] ),
    '198.51.100.192/28' => { continent => { code => 'EU' } },
    '203.0.113.0/24'    => geo( 'US', [ [ 'CA', 'California' ] ], 'Los Angeles' ),
    '2001:db8:1::/48'   => geo( 'RU', [ [ 'ZAP', 'Zaporozhye Oblast' ] ] ),
    '2001:db8:2::/48'   => geo( 'DE', [ [ 'BY', 'Bavaria' ] ] ),
] );

sub flat {
    my ( $cc, $state1, $city ) = @_;
    return { country_code => $cc, state1 => $state1, state2 => '', city => $city // '',
             postcode => '', timezone => '', latitude => 0.5, longitude => 0.5 };
}

my @flat = (
    '198.51.100.0/28'   => flat( 'UA', 'Sebastopol City', 'Sevastopol' ),
    '198.51.100.16/28'  => flat( 'RU', 'Sebastopol City', 'Sevastopol' ),
    '198.51.100.32/28'  => flat( 'RU', '', 'Sevastopol' ),
    '198.51.100.48/28'  => flat( 'RU', 'Crimea', 'Simferopol' ),
    '198.51.100.64/28'  => flat( 'RU', 'Moscow', 'Moscow' ),
    '198.51.100.80/28'  => flat( 'UA', "Kharkivs\x{2019}ka Oblast\x{2019}", 'Kharkiv' ),
    '198.51.100.96/28'  => flat( 'RU', "Donetsk People's Republic", 'Donetsk' ),
    '198.51.100.112/28' => flat( 'RU', 'Lugansk', 'Lugansk' ),
    '198.51.100.128/28' => flat( 'UA', 'Zaporizhzhia', 'Enerhodar' ),
    '198.51.100.144/28' => flat( 'UA', 'Kherson Oblast', 'Kherson' ),
    '198.51.100.160/28' => flat( 'RU', '', '' ),
    '198.51.100.176/28' => flat( 'US', 'California', 'Los Angeles' ),
    '198.51.100.192/28' => flat( 'UA', 'Kyiv City', 'Kyiv' ),
    '198.51.100.208/28' => flat( 'RU', "Stavropol\x{2019} Kray", 'Stavropol' ),
    '2001:db8:1::/48'   => flat( 'RU', 'Autonomous Republic of Crimea', 'Kerch' ),
);
write_db( 'geogate-city-flat.mmdb', 'geogate-flat-test', 6, \@flat );
write_db( 'geogate-city-flat-v2.mmdb', 'geogate-flat-test', 6,
    [ '198.51.100.0/24' => flat( 'PL', 'Mazovia', 'Warsaw' ), @flat[ 28 .. 29 ] ] );
write_db( 'geogate-ipv4-only.mmdb', 'city ipv4', 4,
    [ '198.51.100.0/24' => flat( 'FR', 'Ile-de-France', 'Paris' ) ] );
write_db( 'geogate-ipv6-only.mmdb', 'city ipv6', 6,
    [ '2001:db8::/32' => flat( 'JP', 'Tokyo', 'Tokyo' ) ] );

write_db( 'geogate-anonymous-ip.mmdb', 'GeoIP2-Anonymous-IP', 6, [
    '198.51.100.0/28'  => { is_anonymous => 1, is_anonymous_vpn => 1 },
    '198.51.100.16/28' => { is_anonymous => 1, is_tor_exit_node => 1 },
    '198.51.100.32/28' => { is_anonymous => 1, is_hosting_provider => 1 },
    '198.51.100.48/28' => { is_anonymous => 1, is_public_proxy => 1 },
    '2001:db8:1::/48'  => { is_anonymous => 1, is_residential_proxy => 1 },
] );
