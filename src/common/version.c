/* The version of the library as built (the header's, frozen in here). */
#include "kafkac/version.h"

int kafkac_version(void)
{
    return KAFKAC_VERSION_NUM;
}

const char *kafkac_version_str(void)
{
    return KAFKAC_VERSION_STR;
}
