/**
 * `crowd scan --html FILE`: one self-contained HTML page (style, script and data inline; nothing
 * fetched when viewed) drawn from a ScanResult. The data sits in a `<script type="application/json">`
 * block written by scriptSafeJson, and the page's script builds the DOM from it with text nodes
 * only. A Content-Security-Policy meta tag allows exactly that script and style sheet, by hash,
 * and nothing remote.
 */
import {createHash} from 'node:crypto'
import type {ScanResult} from '../../pipeline/scan.js'
import {REPORT_SCRIPT, REPORT_STYLE} from './report-assets.js'
import {buildReportData, scriptSafeJson, type HtmlReportLimits} from './report-data.js'

export {bucketWidth, buildReportData, scriptSafeJson, DEFAULT_LIMITS, type HtmlReportLimits, type ReportData} from './report-data.js'

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/** The policy of the page: its own script and style by hash, inline SVG and nothing else. */
export const REPORT_CSP = [
  "default-src 'none'",
  `script-src ${sha256(REPORT_SCRIPT)}`,
  `style-src ${sha256(REPORT_STYLE)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

export interface HtmlReportOptions {
  limits?: Partial<HtmlReportLimits>
  /** The generation time written in the page (default: now). */
  now?: Date
  title?: string
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

export function renderHtmlReport(result: ScanResult, options: HtmlReportOptions = {}): string {
  const data = buildReportData(result, {limits: options.limits, now: options.now})
  const title = escapeHtml(options.title ?? 'crowd scan report')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="crowd scan --html">
<title>${title}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header><h1>${title}</h1><p id="generated"></p></header>
<main id="app"><noscript><p>This report draws its tables and charts with JavaScript; the data is in the page source, in the report-data block.</p></noscript></main>
<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`
}
