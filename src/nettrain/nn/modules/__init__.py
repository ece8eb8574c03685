"""All nn layers; each file holds one family and lists its public names in ``__all__``."""

from nettrain.nn.modules import (
    activation,
    attention,
    container,
    conv,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    rnn_cell,
    sparse,
    sync_batchnorm,
    transformer,
    upsampling,
)
from nettrain.nn.modules.activation import *  # noqa: F403
from nettrain.nn.modules.attention import *  # noqa: F403
from nettrain.nn.modules.container import *  # noqa: F403
from nettrain.nn.modules.conv import *  # noqa: F403
from nettrain.nn.modules.dropout import *  # noqa: F403
from nettrain.nn.modules.flatten import *  # noqa: F403
from nettrain.nn.modules.linear import *  # noqa: F403
from nettrain.nn.modules.loss import *  # noqa: F403
from nettrain.nn.modules.module import *  # noqa: F403
from nettrain.nn.modules.normalization import *  # noqa: F403
from nettrain.nn.modules.pooling import *  # noqa: F403
from nettrain.nn.modules.rnn import *  # noqa: F403
from nettrain.nn.modules.rnn_cell import *  # noqa: F403
from nettrain.nn.modules.sparse import *  # noqa: F403
from nettrain.nn.modules.sync_batchnorm import *  # noqa: F403
from nettrain.nn.modules.transformer import *  # noqa: F403
from nettrain.nn.modules.upsampling import *  # noqa: F403

_FAMILIES = (
    activation,
    attention,
    container,
    conv,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    rnn_cell,
    sparse,
    sync_batchnorm,
    upsampling,
    transformer,
)
__all__ = [name for family in _FAMILIES for name in family.__all__]
