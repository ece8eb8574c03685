"""``nettrain.nn.functional``: stateless forms of the layers and losses (thin op wrappers)."""

from nettrain.nn.functional.activation import *  # noqa: F403
from nettrain.nn.functional.adaptive_pooling import *  # noqa: F403
from nettrain.nn.functional.attention import *  # noqa: F403
from nettrain.nn.functional.conv import *  # noqa: F403
from nettrain.nn.functional.dropout import *  # noqa: F403
from nettrain.nn.functional.interpolation import *  # noqa: F403
from nettrain.nn.functional.linear import *  # noqa: F403
from nettrain.nn.functional.loss import *  # noqa: F403
from nettrain.nn.functional.normalization import *  # noqa: F403
from nettrain.nn.functional.padding import *  # noqa: F403
from nettrain.nn.functional.pooling import *  # noqa: F403
from nettrain.nn.functional.sparse import *  # noqa: F403
