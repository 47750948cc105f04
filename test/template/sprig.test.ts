/**
 * Sprig's text functions (Masterminds/sprig v3, as CrowdSec registers them): expected texts
 * follow Sprig's Go implementations (strings.Trim argument order, byte slicing, cast's int
 * conversions, int64 math results, map[string]interface {} dicts...).
 */
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {render} from './helpers.js'

const cases: [string, string][] = [
  // strings (Sprig puts the string last: `trimPrefix PREFIX S`)
  ['{{trim "  a b  "}}|{{trimAll "$" "$$5.00$"}}|{{trimPrefix "-" "-x-"}}|{{trimSuffix "-" "-x-"}}', 'a b|5.00|x-|-x'],
  ['{{upper "héllo"}}|{{lower "ÀB"}}|{{title "hello wide-world"}}|{{untitle "Hello World"}}|{{upper "ß"}}', 'HÉLLO|àb|Hello Wide-World|hello world|ß'],
  ['{{repeat 3 "ab"}}|{{substr 1 3 "hello"}}|{{nospace "a b\\tc"}}|{{trunc 3 "hello"}}|{{trunc -2 "hello"}}|{{abbrev 5 "hello world"}}|{{initials "first last"}}', 'ababab|el|abc|hel|lo|he...|fl'],
  ['{{contains "ll" "hello"}}|{{hasPrefix "he" "hello"}}|{{hasSuffix "lo" "hello"}}|{{quote "a" 1 nil}}|{{squote "a"}}|{{cat "a" 1 nil "b"}}', 'true|true|true|"a" "1"|\'a\'|a 1 b'],
  ['{{indent 2 "a\\nb"}}|{{nindent 2 "a"}}|{{replace "a" "b" "banana"}}|{{plural "one" "many" 2}}|{{plural "one" "many" 1}}', '  a\n  b|\n  a|bbnbnb|many|one'],
  ['{{snakecase "HTTPServerName"}}|{{kebabcase "fooBar"}}|{{camelcase "hello_world"}}|{{swapcase "aB"}}|{{wrap 5 "aaa bbb ccc"}}', 'http_server_name|foo-bar|HelloWorld|Ab|aaa\nbbb\nccc'],
  ['{{splitList "," "a,b,c"}}|{{(split "," "a,b")._1}}|{{join "-" (list 1 "a" nil)}}|{{sortAlpha (list "b" "a" "C")}}|{{toString 12}}|{{toStrings (list 1 2)}}', '[a b c]|b|1-a|[C a b]|12|[1 2]'],
  ['{{range .}}{{.Scenario | replace "crowdsecurity/" "" | title}}{{end}}', 'Ssh-Bf'],
  // regular expressions (RE2, Go's Expand for ${1})
  ['{{regexMatch "^[a-z]+$" "abc"}}|{{regexFind "[0-9]+" "ab12cd34"}}|{{regexFindAll "[0-9]+" "ab12cd34" -1}}|{{regexFindAll "[0-9]" "123" 2}}', 'true|12|[12 34]|[1 2]'],
  ['{{regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W"}}|{{regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}"}}|{{regexSplit "z+" "pizza" -1}}|{{regexQuoteMeta "1.5+"}}', '-W-xxW-|-${1}-${1}-|[pi a]|1\\.5\\+'],
  ['{{regexReplaceAll "a*" "baaac" "-"}}|{{regexSplit "" "abc" -1}}', '-b-c-|[a b c]'],
  // defaults; a non-nil pointer is not empty
  ['{{default "d" ""}}|{{default "d" "x"}}|{{default "d" 0}}|{{empty list}}|{{coalesce "" 0 "z"}}|{{ternary "y" "n" true}}|{{range .}}{{default "d" .Simulated}}{{end}}', 'd|x|d|true|z|y|false'],
  ['{{all 1 "a"}}|{{any 0 ""}}|{{typeOf 1}}|{{typeOf (list)}}|{{kindOf (dict)}}|{{typeIs "string" "x"}}|{{range .}}{{typeOf .Source}}{{end}}', 'true|false|int|[]interface {}|map|true|*models.Source'],
  // JSON: Go's encoding (sorted keys, HTML escapes), pretty with two spaces, raw without escapes
  ['{{toJson (dict "b" 1 "a" "<&>")}}|{{toRawJson (dict "a" "<&>")}}|{{toPrettyJson (list 1 (dict "k" "v"))}}', '{"a":"\\u003c\\u0026\\u003e","b":1}|{"a":"<&>"}|[\n  1,\n  {\n    "k": "v"\n  }\n]'],
  ['{{(fromJson "{\\"a\\":[1,2.5]}").a}}|{{fromJson "{bad"}}|{{typeOf (index (fromJson "[1]") 0)}}|{{toJson (fromJson "{\\"__proto__\\":1}")}}', '[1 2.5]|<no value>|float64|{"__proto__":1}'],
  // lists
  ['{{first (list 1 2)}}|{{last (list 1 2)}}|{{rest (list 1 2 3)}}|{{initial (list 1 2 3)}}|{{append (list 1) 2}}|{{prepend (list 1) 0}}', '1|2|[2 3]|[1 2]|[1 2]|[0 1]'],
  ['{{concat (list 1) (list 2 3)}}|{{reverse (list 1 2)}}|{{uniq (list 1 1 2)}}|{{without (list 1 2 3) 2}}|{{has 2 (list 1 2)}}|{{compact (list 0 "" "a" nil)}}', '[1 2 3]|[2 1]|[1 2]|[1 3]|true|[a]'],
  ['{{until 3}}|{{untilStep 0 10 4}}|{{seq 3}}|{{seq 2 4}}|{{first list}}', '[0 1 2]|[0 4 8]|1 2 3|2 3 4|<no value>'],
  ['{{range .}}{{(first .Decisions).Type}} {{len .Events | add1}}{{end}}', 'ban 3'],
  // dicts (null-prototype: any key is data)
  ['{{$d := dict "a" 1 "b" 2}}{{get $d "a"}}|{{get $d "z"}}|{{hasKey $d "b"}}|{{keys $d}}|{{values $d}}|{{$_ := set $d "c" 3}}{{len $d}}|{{$_ := unset $d "a"}}{{keys $d}}|{{pick $d "b"}}|{{omit $d "b"}}', '1||true|[a b]|[1 2]|3|[b c]|map[b:2]|map[c:3]'],
  ['{{$a := dict "x" 1}}{{$b := dict "x" 2 "y" 3}}{{merge $a $b}}|{{mergeOverwrite (dict "x" 1) $b}}|{{keys (dict "__proto__" 1 "constructor" 2)}}|{{dig "a" "b" "none" (dict "a" (dict "b" 7))}}', 'map[x:1 y:3]|map[x:2 y:3]|[__proto__ constructor]|7'],
  // math: cast.ToInt64 on every argument, int64 results
  ['{{add 1 "2" 3.7}}|{{sub 5 2}}|{{mul 2 3 4}}|{{div 7 2}}|{{mod 7 3}}|{{max 1 5 3}}|{{min 4 2}}|{{typeOf (add 1 1)}}', '6|3|24|3|1|5|2|int64'],
  ['{{floor 1.7}}|{{ceil 1.2}}|{{round 3.14159 2}}|{{int "42"}}|{{int64 3.9}}|{{float64 "1.5"}}|{{atoi "x"}}|{{int "0x10"}}|{{range .}}{{add1 .EventsCount}}{{end}}', '1|2|3.14|42|3|1.5|0|16|7'],
  // encoding
  ['{{b64enc "hello"}}|{{b64dec "aGVsbG8="}}|{{b64dec "!!"}}|{{sha256sum "a"}}', 'aGVsbG8=|hello|illegal base64 data at input byte 0|ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb'],
  // dates: toDate parses, date formats time.Time (a string is not a time: Sprig takes now)
  ['{{dateInZone "Jan 2 15:04 MST" (toDate "2006-01-02T15:04:05Z07:00" "2026-02-12T14:10:24Z") "UTC"}}|{{htmlDateInZone (toDate "2006-01-02T15:04:05Z07:00" "2026-02-12T23:30:00Z") "Europe/Paris"}}', 'Feb 12 14:10 UTC|2026-02-13'],
  ['{{range .}}{{.StopAt | toDate "2006-01-02T15:04:05Z07:00" | unixEpoch}}{{end}}|{{dateInZone "15:04" (dateModify "90m" (toDate "2006-01-02T15:04:05Z07:00" "2026-01-01T00:00:00Z")) "UTC"}}', `${Date.UTC(2026, 1, 12, 14, 10, 24) / 1000}|01:30`],
  // Sprig 3.2's duration takes seconds as a string or an int64 (an int literal counts as 0)
  ['{{duration "95"}}|{{duration 95}}|{{duration (int64 95)}}|{{durationRound "2h10m"}}|{{durationRound "3s"}}', '1m35s|0s|1m35s|2h|3s'],
]

for (const [text, want] of cases) {
  test(`sprig: ${JSON.stringify(text)}`, () => {
    assert.is(render(text), want)
  })
}

test('date of a string field is the current time (Sprig ignores what it cannot format)', () => {
  const year = String(new Date().getUTCFullYear())
  assert.is(render('{{range .}}{{dateInZone "2006" .StopAt "UTC"}}{{end}}|{{(now).UTC.Year}}'), `${year}|${year}`)
})

const errors: [string, string][] = [
  ['{{first "abc"}}', 'error calling first: Cannot find first on type string'],
  ['{{regexMatch "(" "x"}}', 'error calling regexMatch: error parsing regexp: missing closing ): `(`'],
  ['{{regexFindAll "^a" "aaa" -1}}', 'error calling regexFindAll: regexFindAll: patterns with ^, \\A or word boundaries are not supported by crowd'],
  ['{{get (split "," "a") "_0"}}', 'wrong type for value; expected map[string]interface {}; got map[string]string'],
  ['{{mustFromJson "{bad"}}', 'error calling mustFromJson: invalid character in JSON input'],
  ['{{fail "stop here"}}', 'error calling fail: stop here'],
  ['{{repeat -1 "x"}}', 'error calling repeat: strings: negative Repeat count'],
  ['{{substr 3 1 "hello"}}', 'error calling substr: runtime error: slice bounds out of range [3:1]'],
  ['{{$d := dict}}{{$_ := set $d "self" $d}}{{mustToJson $d}}', 'error calling mustToJson: json: unsupported value: encountered a cycle via map[string]interface {}'],
]

for (const [text, want] of errors) {
  test(`sprig error: ${JSON.stringify(text)}`, () => {
    const out = render(text)
    assert.ok(out.startsWith('ERR template: t:1:'), out)
    assert.ok(out.includes(want), `${out}\n  does not include\n${want}`)
  })
}

test('functions crowd leaves out are not defined (a parse error, like any unknown function)', () => {
  assert.is(render('{{getHostByName "example.com"}}'), 'ERR template: t:1: function "getHostByName" not defined')
  assert.is(render('{{uuidv4}}'), 'ERR template: t:1: function "uuidv4" not defined')
})

test.run()
