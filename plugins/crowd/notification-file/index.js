'use strict'
// crowd/notification-file: appends each notification to a file, as CrowdSec's file plugin does
// (no newline added: the default format ends each line itself), rotating it when it would grow
// past `rotate.max_size` megabytes and keeping `rotate.max_files` old files (log_path.1, .2...).
// Only the file of the configuration's `log_path` (and its rotations) can be written.

module.exports = {
  async notify(options, text, host) {
    const file = options.log_path
    if (typeof file !== 'string' || file === '') throw new Error('log_path is not set')
    const rotate = options.rotate !== null && typeof options.rotate === 'object' ? options.rotate : {}
    if (rotate.enabled === true) {
      const maxMb = typeof rotate.max_size === 'number' && rotate.max_size > 0 ? rotate.max_size : 500
      const keep = Number.isInteger(rotate.max_files) && rotate.max_files > 0 ? Math.min(rotate.max_files, 100) : 5
      await host.appendFile(file, text, {rotate: {maxBytes: maxMb * 1024 * 1024, keep}})
    } else {
      await host.appendFile(file, text)
    }
    return {bytes: text.length}
  },
}
