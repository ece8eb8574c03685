"""All nn layers; each file holds one family and lists its public names in ``__all__``."""

from nettrain.nn.modules import (
    activation as _activation,
)  # noqa: E402
from nettrain.nn.modules import (
    container as _container,
)
from nettrain.nn.modules import (
    conv as _conv,
)
from nettrain.nn.modules import (
    dropout as _dropout,
)
from nettrain.nn.modules import (
    flatten as _flatten,
)
from nettrain.nn.modules import (
    linear as _linear,
)
from nettrain.nn.modules import (
    loss as _loss,
)
from nettrain.nn.modules import (
    module as _module,
)
from nettrain.nn.modules import (
    normalization as _normalization,
)
from nettrain.nn.modules import (
    pooling as _pooling,
)
from nettrain.nn.modules import (
    rnn as _rnn,
)
from nettrain.nn.modules import (
    sparse as _sparse,
)
from nettrain.nn.modules.activation import *  # noqa: F403
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
from nettrain.nn.modules.sparse import *  # noqa: F403

__all__ = [
    name
    for part in (
        _activation,
        _container,
        _conv,
        _dropout,
        _flatten,
        _linear,
        _loss,
        _module,
        _normalization,
        _pooling,
        _rnn,
        _sparse,
    )
    for name in part.__all__
]
