/* escape.c: text from outside (guest, VIOS, files) made safe for a terminal: control
 * characters shown as escapes, so a partition cannot retitle, recolour or rewrite the admin's
 * screen through an error message. */
#include <stdio.h>
#include "vdmirror/util.h"

size_t vdm_escape_ctl(char *dst, size_t size, const char *src)
{
	size_t o = 0;
	if (!size)
		return 0;
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		char esc[8];
		size_t n;
		/* C0, DEL, and C1 as UTF-8 (U+0080..U+009F: 0xC2 0x80..0x9F, which a UTF-8
		 * terminal takes as CSI, OSC...) */
		if (*p < 0x20 || *p == 0x7f) {
			n = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", p[1]);
			p++;
		} else {
			esc[0] = (char)*p;
			n = 1;
		}
		if (o + n >= size)
			break;        /* cut before a whole escape, never inside one */
		memcpy(dst + o, esc, n);
		o += n;
	}
	dst[o] = '\0';
	return o;
}
