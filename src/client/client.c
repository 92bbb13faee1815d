/* client.c: the registry of compiled-in client mirror drivers. */
#include <string.h>
#include "vdmirror/client.h"

/* Each driver defines one `const struct vdm_client_ops vdm_client_<name>` and adds it here. */
extern const struct vdm_client_ops vdm_client_aix, vdm_client_ibmi;
static const struct vdm_client_ops *const client_registry[] = {
	&vdm_client_aix,
	&vdm_client_ibmi,
	NULL,
};

const struct vdm_client_ops *vdm_client_find(const char *name)
{
	for (size_t i = 0; client_registry[i]; i++)
		if (strcmp(client_registry[i]->name, name) == 0)
			return client_registry[i];
	return NULL;
}
