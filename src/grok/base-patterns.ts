/**
 * crowd's own base grok library: the names CrowdSec's built-in base defines (grok.md
 * Appendix A), in the same order, with the same field names and the same matching
 * behaviour (language and leftmost-first preference), written for this project.
 * Where the reference data has quirks that change results they are kept on purpose:
 * MONTH's leading `\b` binds to the first alternative and its trailing `\b` to the last,
 * ANSIC ends with a `"`, SECOND accepts `:`/`,`/`.` fractions, IPV6 takes a `%zone`
 * suffix, EMAILLOCALPART holds the range `+`..`=`, SYSLOGFACILITY's separator is any char.
 *
 * Capture groups: CrowdSec numbers fields with a textual heuristic that is sometimes off by
 * one (grok.md §2.2); a shifted field then reads a group inside a base pattern. So every
 * capturing group of the reference data is kept, in the same order and capturing the same
 * text; only the text around them is free. Nested repetitions without captures are
 * rewritten flat (URIPATH, WINPATH: same strings, same preference order, since those
 * languages split into tokens in exactly one way). QUOTEDSTRING and UNIXPATH keep their
 * nested repetition because their inner groups must capture the same last token; they rely
 * on the linear-time regex guard, like the reference engine's own linear matching.
 */

const HEX4 = '[[:xdigit:]]{1,4}'
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])'
const DOTTED_QUAD = `(${OCTET}(\\.${OCTET}){3})`

/**
 * IPv6 text forms: `k` leading groups, then the compressed or IPv4-suffixed tail. The capture
 * groups sit where the reference data has them (see the module comment on group layout).
 */
function ipv6(): string {
  const head = (k: number) => `(${HEX4}:){${k}}`
  const branches = [
    `(${head(7)}(${HEX4}|:))`,
    `(${head(6)}(:${HEX4}|${DOTTED_QUAD}|:))`,
    `(${head(5)}(((:${HEX4}){1,2})|:${DOTTED_QUAD}|:))`,
    `(${head(4)}(((:${HEX4}){1,3})|((:${HEX4})?:${DOTTED_QUAD})|:))`,
  ]
  for (let k = 3; k >= 1; k--) {
    branches.push(`(${head(k)}(((:${HEX4}){1,${7 - k}})|((:${HEX4}){0,${5 - k}}:${DOTTED_QUAD})|:))`)
  }
  branches.push(`(:(((:${HEX4}){1,7})|((:${HEX4}){0,5}:${DOTTED_QUAD})|:))`)
  return `(${branches.join('|')})(%.+)?`
}

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)'

/** [name, definition] in definition order. */
export const BASE_PATTERNS: ReadonlyArray<readonly [string, string]> = [
  ['USERNAME', '[\\w.-]+'],
  ['USER', '%{USERNAME}'],
  ['EMAILLOCALPART', '[+,\\-./0-9:;<=A-Z_a-z]+'],
  ['HOSTNAME', '\\b[[:alnum:]][[:alnum:]-]{0,62}(?:\\.[[:alnum:]][[:alnum:]-]{0,62})*(\\.?)'],
  ['EMAILADDRESS', '%{EMAILLOCALPART}@%{HOSTNAME}'],
  ['HTTPDUSER', '%{EMAILADDRESS}|%{USER}'],
  ['INT', '[+-]?\\d+'],
  ['BASE10NUM', '[+-]?(?:\\d+(?:\\.\\d+)?|\\.\\d+)'],
  ['NUMBER', '%{BASE10NUM}'],
  ['BASE16NUM', '[+-]?(?:0x)?[[:xdigit:]]+'],
  ['BASE16FLOAT', '\\b[+-]?(?:0x)?(?:[[:xdigit:]]+(?:\\.[[:xdigit:]]*)?|\\.[[:xdigit:]]+)\\b'],
  ['POSINT', '\\b[1-9]\\d*\\b'],
  ['NONNEGINT', '\\b\\d+\\b'],
  ['WORD', '\\b[[:word:]]+\\b'],
  ['NOTSPACE', '[^\\s]+'],
  ['SPACE', '[\\t\\n\\f\\r ]*'],
  ['DATA', '[^\\n]*?'],
  ['GREEDYDATA', '[^\\n]*'],
  ['QUOTEDSTRING', ['"', "'", '`'].map((q) => `(${q}(\\\\.|[^${q}\\\\]+)+${q})|${q}${q}`).join('|')],
  ['UUID', '[[:xdigit:]]{8}(?:-[[:xdigit:]]{4}){3}-[[:xdigit:]]{12}'],
  ['CISCOMAC', '[[:xdigit:]]{4}\\.[[:xdigit:]]{4}\\.[[:xdigit:]]{4}'],
  ['WINDOWSMAC', '[[:xdigit:]]{2}(?:-[[:xdigit:]]{2}){5}'],
  ['COMMONMAC', '[[:xdigit:]]{2}(?::[[:xdigit:]]{2}){5}'],
  ['MAC', '%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC}'],
  ['IPV6', ipv6()],
  ['IPV4', `(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}`],
  ['IP', '%{IPV6}|%{IPV4}'],
  ['IPORHOST', '%{IP}|%{HOSTNAME}'],
  ['HOSTPORT', '%{IPORHOST}:%{POSINT}'],
  ['UNIXPATH', '(/([\\w!$%,.:@~-]+|\\\\.)*)+'],
  ['TTY', '/dev/(pts|tty([pq])?)(\\w+)?/?\\d+'],
  ['WINPATH', '(?:[A-Za-z]+:|\\\\)\\\\[^?*]*'],
  ['PATH', '%{UNIXPATH}|%{WINPATH}'],
  ['URIPROTO', '[A-Za-z]+(\\+[+A-Za-z]+)?'],
  ['URIHOST', '%{IPORHOST}(?::%{POSINT:port})?'],
  ['URIPATH', "/[\\w!#$%'()*+,./:;=@{}~-]*"],
  ['URIPARAM', "\\?[\\w!#$%&'()*+,./:;<=>?@\\[\\]{|}~-]*"],
  ['URIPATHPARAM', '%{URIPATH}(?:%{URIPARAM})?'],
  ['URI', '%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?'],
  ['MONTH', '\\bJan(?:uary|uar)?|Feb(?:ruary|ruar)?|M[aä]?r(?:ch|z)?|Apr(?:il)?|Ma[yi]?|Jun[ei]?|July?|Aug(?:ust)?|Sep(?:tember)?|O[ck]?t(?:ober)?|Nov(?:ember)?|De[cz](?:ember)?\\b'],
  ['MONTHNUM', '0?[1-9]|1[012]'],
  ['MONTHNUM2', '0[1-9]|1[012]'],
  ['MONTHDAY', '0[1-9]|[12]\\d|3[01]|[1-9]'],
  ['DAY', ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d, k) => `${d}(?:${['day', 'sday', 'nesday', 'rsday', 'day', 'urday', 'day'][k]}|)`).join('|')],
  ['YEAR', '\\d\\d(?:\\d\\d)?'],
  ['HOUR', '2[0-3]|[01]?\\d'],
  ['MINUTE', '[0-5]\\d'],
  ['SECOND', '(?:[0-5]?\\d|60)(?:[,.:]\\d+)?'],
  ['TIME', '%{HOUR}:%{MINUTE}:%{SECOND}'],
  ['DATE_US', '%{MONTHNUM}[-/]%{MONTHDAY}[-/]%{YEAR}'],
  ['DATE_EU', '%{MONTHDAY}[-./]%{MONTHNUM}[-./]%{YEAR}'],
  ['DATE_X', '%{YEAR}/%{MONTHNUM2}/%{MONTHDAY}'],
  ['ISO8601_TIMEZONE', 'Z|[+-]%{HOUR}(?::?%{MINUTE})'],
  ['ISO8601_SECOND', '%{SECOND}|60'],
  ['TIMESTAMP_ISO8601', '%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[ T]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?'],
  ['DATE', '%{DATE_US}|%{DATE_EU}|%{DATE_X}'],
  ['DATESTAMP', '%{DATE}[ -]%{TIME}'],
  ['TZ', '[A-Z][A-Z][A-Z]'],
  ['NUMTZ', '[+-][0-9]{4}'],
  ['DATESTAMP_RFC822', '%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}'],
  ['DATESTAMP_RFC2822', '%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}'],
  ['DATESTAMP_OTHER', '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}'],
  ['DATESTAMP_EVENTLOG', '%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}'],
  ['HTTPDERROR_DATE', '%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}'],
  ['ANSIC', '%{DAY} %{MONTH} [1-3_]\\d %{TIME} %{YEAR}"'],
  ['UNIXDATE', '%{DAY} %{MONTH} [1-3_]\\d %{TIME} %{TZ} %{YEAR}'],
  ['RUBYDATE', '%{DAY} %{MONTH} [0-3]\\d %{TIME} %{NUMTZ} %{YEAR}'],
  ['RFC822Z', '[0-3]\\d %{MONTH} %{YEAR} %{TIME} %{NUMTZ}'],
  ['RFC850', '%{DAY}, [0-3]\\d-%{MONTH}-%{YEAR} %{TIME} %{TZ}'],
  ['RFC1123', '%{DAY}, [0-3]\\d %{MONTH} %{YEAR} %{TIME} %{TZ}'],
  ['RFC1123Z', '%{DAY}, [0-3]\\d %{MONTH} %{YEAR} %{TIME} %{NUMTZ}'],
  ['RFC3339', '%{YEAR}-[01]\\d-[0-3]\\dT%{TIME}%{ISO8601_TIMEZONE}'],
  ['RFC3339NANO', '%{YEAR}-[01]\\d-[0-3]\\dT%{TIME}\\.\\d{9}%{ISO8601_TIMEZONE}'],
  ['KITCHEN', '\\d\\d?:\\d\\d([AP]M|[ap]m)'],
  ['SYSLOGTIMESTAMP', '%{MONTH} +%{MONTHDAY} %{TIME}'],
  ['PROG', '[!-Z\\\\^-~]+'],
  ['SYSLOGPROG', '%{PROG:program}(?:\\[%{POSINT:pid}\\])?'],
  ['SYSLOGHOST', '%{IPORHOST}'],
  ['SYSLOGFACILITY', '<%{NONNEGINT:facility}.%{NONNEGINT:priority}>'],
  ['HTTPDATE', '%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}'],
  ['QS', '%{QUOTEDSTRING}'],
  [
    'LOGLEVEL',
    [
      '[Aa]lert', 'ALERT', '[Tt]race', 'TRACE', '[Dd]ebug', 'DEBUG', '[Nn]otice', 'NOTICE', '[Ii]nfo', 'INFO',
      '[Ww]arn?(?:ing|)', 'WARN?(?:ING|)', '[Ee]rr?(?:or|)', 'ERR?(?:OR|)', '[Cc]rit?(?:ical|)', 'CRIT?(?:ICAL|)',
      '[Ff]atal', 'FATAL', '[Ss]evere', 'SEVERE', 'EMERG(?:ENCY|)', '[Ee]merg(?:ency|)',
    ].join('|'),
  ],
  ['SYSLOGBASE', '%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:'],
  [
    'COMMONAPACHELOG',
    '%{IPORHOST:clientip} %{HTTPDUSER:ident} %{USER:auth} \\[%{HTTPDATE:timestamp}\\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response} (?:%{NUMBER:bytes}|-)',
  ],
  ['COMBINEDAPACHELOG', '%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}'],
  ['HTTPD20_ERRORLOG', '\\[%{HTTPDERROR_DATE:timestamp}\\] \\[%{LOGLEVEL:loglevel}\\] (?:\\[client %{IPORHOST:clientip}\\] )?%{GREEDYDATA:errormsg}'],
  [
    'HTTPD24_ERRORLOG',
    '\\[%{HTTPDERROR_DATE:timestamp}\\] \\[%{WORD:module}:%{LOGLEVEL:loglevel}\\] \\[pid %{POSINT:pid}(:tid %{NUMBER:tid})?\\]( \\(%{POSINT:proxy_errorcode}\\)%{DATA:proxy_errormessage}:)?( \\[client %{IPORHOST:client}:%{INT:clientport}\\])? %{DATA:errorcode}: %{GREEDYDATA:message}',
  ],
  ['HTTPD_ERRORLOG', '%{HTTPD20_ERRORLOG}|%{HTTPD24_ERRORLOG}'],
]
