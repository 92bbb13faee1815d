/* warnings.h: what discovery reports instead of failing. A producer adds warnings to the JSON
 * object it fills (the inventory, or a partition object a client driver fills); vdm_discover
 * gathers them into the inventory's top-level `warnings` array (an extra field formats.md
 * allows), one entry per distinct text. */
#ifndef VDMIRROR_WARNINGS_H
#define VDMIRROR_WARNINGS_H

#include <jansson.h>

/* Appends the formatted text to obj's "warnings" array, unless the same text is there. */
void vdm_warn(json_t *obj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Moves every partitions[].warnings into inv's top-level "warnings", each text once. */
void vdm_warnings_collect(json_t *inv);

#endif
